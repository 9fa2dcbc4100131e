/** Builds an admin handler over in-memory parts and calls it as `Deno.serve` would. */
import { ADMIN_CSS, ADMIN_HTML, ADMIN_JS } from "../../admin_ui/bundle.gen.ts";
import { type AdminHandler, createAdminHandler } from "../../lib/admin/handler.ts";
import { ADMIN_PASSWORD_SETTING } from "../../lib/admin/password_setup.ts";
import { hashPassword } from "../../lib/auth/password.ts";
import { MemoryControl, MemorySettings } from "./memory_control.ts";

/** The page's origin in these tests. */
export const ORIGIN = "http://127.0.0.1:9080";
/** The admin password the harness stores. */
export const PASSWORD = "correct horse battery";

let cachedHash: Promise<string> | undefined;

/** Options of one call. */
export interface CallOptions {
  body?: unknown;
  /** A raw body, sent as is. */
  raw?: string;
  cookie?: string;
  origin?: string;
  headers?: Record<string, string>;
  /** The client host (default 127.0.0.1). */
  host?: string;
}

/** A handler under test and its parts. */
export interface Harness {
  admin: AdminHandler;
  control: MemoryControl;
  settings: MemorySettings;
  /** What the handler logged: event name and fields. */
  logged: { event: string; fields: Record<string, unknown> }[];
  /** Moves the handler's clock forward. */
  advance(ms: number): void;
  call(method: string, path: string, options?: CallOptions): Promise<Response>;
  /** Logs in and returns the cookie header value to send. */
  login(host?: string): Promise<string>;
}

/** A fresh harness; `token` enables the bearer token. */
export async function harness(token: string | null = null): Promise<Harness> {
  let now = Date.parse("2030-01-01T00:00:00Z");
  const clock = () => now;
  const control = new MemoryControl(clock);
  const settings = new MemorySettings();
  cachedHash ??= hashPassword(PASSWORD);
  settings.values.set(ADMIN_PASSWORD_SETTING, await cachedHash);
  const logged: Harness["logged"] = [];
  const admin = createAdminHandler({
    assets: { html: ADMIN_HTML, js: ADMIN_JS, css: ADMIN_CSS },
    control,
    settings,
    token,
    clock,
    log: { log: (_level, event, fields = {}) => void logged.push({ event, fields }) },
    liveFeed: { flushMs: 10 },
    onError: (error) => {
      throw error;
    },
  });
  const call = (method: string, path: string, options: CallOptions = {}) => {
    const headers = new Headers(options.headers);
    if (options.cookie) headers.set("cookie", options.cookie);
    if (options.origin) headers.set("origin", options.origin);
    const body = options.raw ??
      (options.body === undefined ? undefined : JSON.stringify(options.body));
    if (body !== undefined) headers.set("content-type", "application/json");
    const req = new Request(ORIGIN + path, { method, headers, body });
    return admin.handler(req, {
      remoteAddr: { transport: "tcp", hostname: options.host ?? "127.0.0.1", port: 50000 },
    });
  };
  return {
    admin,
    control,
    settings,
    logged,
    advance: (ms) => void (now += ms),
    call,
    async login(host?: string) {
      const res = await call("POST", "/api/login", {
        body: { user: "admin", password: PASSWORD },
        host,
      });
      await res.body?.cancel();
      if (res.status !== 200) throw new Error(`login answered ${res.status}`);
      return res.headers.get("set-cookie")!.split(";")[0]!;
    },
  };
}

/** The `error` object of a JSON error reply. */
export async function errorOf(res: Response): Promise<{ code: string; message: string }> {
  const body = await res.json() as { error: { code: string; message: string } };
  return body.error;
}
