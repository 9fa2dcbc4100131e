/** A small HTTP client of the admin API for end-to-end tests: keeps the session cookie. */

/** A parsed JSON reply; tests read it freely. */
// deno-lint-ignore no-explicit-any
export type Json = any;

/** An admin API client bound to one server. */
export class AdminClient {
  readonly base: string;
  cookie = "";

  constructor(adminPort: number) {
    this.base = `http://127.0.0.1:${adminPort}`;
  }

  /** Calls the API; returns the status and the parsed JSON body (null when none). */
  async call(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: Json }> {
    const res = await fetch(this.base + path, {
      method,
      headers: { ...(this.cookie ? { cookie: this.cookie } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const setCookie = res.headers.get("set-cookie");
    if (setCookie) this.cookie = setCookie.split(";")[0]!;
    const text = await res.text();
    // JSON from the API; a plain-text answer (the connection cap's 503) as its text.
    const json = (res.headers.get("content-type") ?? "").includes("json");
    return { status: res.status, body: text ? (json ? JSON.parse(text) : text) : null };
  }

  /** Logs in as admin; throws unless it worked. */
  async login(password: string): Promise<void> {
    const res = await this.call("POST", "/api/login", { user: "admin", password });
    if (res.status !== 200) throw new Error(`admin login answered ${res.status}`);
  }
}
