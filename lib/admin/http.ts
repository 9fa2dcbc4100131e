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

/** The value of cookie `name` in a `Cookie` header, or null. */
export function cookieValue(header: string | null, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || null;
  }
  return null;
}

/** Largest request body accepted, in bytes. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Reads a request body as JSON. An empty body reads as `{}` (routes whose fields are all
 * optional accept no body). Throws a 400/413 {@linkcode HttpError} for anything else bad.
 * The body is streamed and reading stops at {@linkcode MAX_BODY_BYTES}: a huge (chunked)
 * body is never held in memory.
 */
export async function readJson(req: Request): Promise<unknown> {
  const text = new TextDecoder().decode(await readBounded(req, MAX_BODY_BYTES)).trim();
  if (text === "") return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message : "not JSON";
    throw new HttpError(400, "bad_request", `Cannot parse body: ${reason}.`);
  }
}

/** A request whose client went away while its body was read (not a server error). */
export class ClientAbortedError extends Error {
  constructor(cause: unknown) {
    super("The client closed the connection while sending its request.", { cause });
    this.name = "ClientAbortedError";
  }
}

/** Reads at most `limit` bytes of the body; past that cancels the stream and throws 413. */
export async function readBounded(req: Request, limit: number): Promise<Uint8Array> {
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) throw tooLarge();
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        throw tooLarge();
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw new ClientAbortedError(error);
  } finally {
    reader.releaseLock();
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}

/** The 413: the connection closes after it, so the rest of the body is never read. */
function tooLarge(): HttpError {
  return new HttpError(
    413,
    "too_large",
    `Cannot read body: it exceeds ${MAX_BODY_BYTES} bytes.`,
    { connection: "close" },
  );
}

/**
 * The request's URL. `Deno.serve` builds it from the `Host` header, which may make it
 * unparsable (`Host: evil.com:127.0.0.1`, `Host: xn--localhost`): that is the client's
 * mistake, answered 400 `bad_host`, never a 500.
 */
export function requestUrl(req: Request): URL {
  try {
    return new URL(req.url);
  } catch {
    throw new HttpError(400, "bad_host", "The request's Host header is not a valid host name.");
  }
}
