/** Calls to the admin API from the page. */
import { isKey, t } from "./i18n.ts";

/** A failed API call, with the server's error code and (English) sentence. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

let onUnauthorized: () => void = () => {};

/** Sets what happens when a call answers 401 (the page shows the login form). */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

/** Calls the API; resolves to the JSON reply (undefined for 204), rejects with ApiError. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "network", "");
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON: described below from the status.
  }
  if (response.ok) return data as T;
  const error = (data as { error?: { code?: string; message?: string } } | null)?.error;
  if (response.status === 401 && path !== "/api/login") onUnauthorized();
  throw new ApiError(
    response.status,
    error?.code ?? "http_" + response.status,
    error?.message ?? "",
  );
}

/** Whether a failed call means "this server has no such route" (an older server). */
export function isMissingRoute(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404 && error.code === "not_found";
}

/** Whether a failed call was refused for the session's role (403 `forbidden`). */
export function isForbidden(error: unknown): boolean {
  return error instanceof ApiError && error.status === 403;
}

/**
 * Codes whose sentence includes the server's own (English) detail, which names the field.
 * The page checks durations and writes its own sentence for a bad address, so a French
 * page shows English only for a refusal it could not foresee.
 */
const WITH_DETAIL = new Set(["bad_request"]);

/**
 * The sentence describing a failure, in the page's language, chosen by the API's error
 * `code` (the API's `message` is English: shown only as the detail of a bad request or of
 * a code this page does not know).
 */
export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : String(error);
  if (isForbidden(error) && error.code !== "forbidden_origin") return t("error.forbidden");
  const key = `error.${error.code}`;
  if (isKey(key)) return t(key, WITH_DETAIL.has(error.code) ? { detail: error.message } : {});
  if (error.message === "") return t("failure.status", { status: error.status });
  return t("failure.other", { code: error.code, detail: error.message });
}

/** A query string built from the entries that are set. */
export function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") q.set(k, String(v));
  const text = q.toString();
  return text ? `?${text}` : "";
}

/** A path segment, encoded. */
export function seg(value: string): string {
  return encodeURIComponent(value);
}
