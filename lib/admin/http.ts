/** Small HTTP helpers shared by the admin routes: JSON replies and the error shape. */

/** An admin API failure, answered as `{"error":{"code","message"}}` with `status`. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;

  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/** Security headers sent with every admin response. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cache-control": "no-store",
};

/** A JSON reply. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...SECURITY_HEADERS, "content-type": "application/json; charset=utf-8", ...headers },
  });
}

/** A reply without a body (204, 202 …). */
export function empty(status: number, headers: Record<string, string> = {}): Response {
  return new Response(null, { status, headers: { ...SECURITY_HEADERS, ...headers } });
}

/** The JSON error reply for an {@linkcode HttpError}. */
export function errorResponse(error: HttpError): Response {
  return json({ error: { code: error.code, message: error.message } }, error.status, error.headers);
}

/** Largest request body accepted, in bytes. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Reads a request body as JSON. An empty body reads as `{}` (routes whose fields are all
 * optional accept no body). Throws a 400/413 {@linkcode HttpError} for anything else bad.
 */
export async function readJson(req: Request): Promise<unknown> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const bytes = new Uint8Array(await req.arrayBuffer());
  if (bytes.byteLength > MAX_BODY_BYTES) throw tooLarge();
  const text = new TextDecoder().decode(bytes).trim();
  if (text === "") return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message : "not JSON";
    throw new HttpError(400, "bad_request", `Cannot parse body: ${reason}.`);
  }
}

function tooLarge(): HttpError {
  return new HttpError(413, "too_large", `Cannot read body: it exceeds ${MAX_BODY_BYTES} bytes.`);
}
