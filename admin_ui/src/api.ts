/** Calls to the admin API from the page. */

/** A failed API call, with the server's error code and sentence. */
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
    throw new ApiError(0, "network", "The server cannot be reached.");
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
    error?.message ?? `The server answered ${response.status}.`,
  );
}

/** A path segment, encoded. */
export function seg(value: string): string {
  return encodeURIComponent(value);
}
