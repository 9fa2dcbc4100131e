/**
 * The admin listener as a plain handler: the page's files, `/api/…` (JSON, behind a login
 * session or the bearer token) and `/metrics`. `lib/app/start.ts` serves it on the admin
 * listener.
 */
import {
  type ChatControl,
  ControlError,
  NoSuchUserError,
  RoomControlError,
} from "../server/control.ts";
import type { Clock } from "../common/clock.ts";
import { StoreUnavailableError } from "../store/store.ts";
import type { Logger } from "../common/log.ts";
import {
  ClientAbortedError,
  errorResponse,
  HttpError,
  requestUrl,
  SECURITY_HEADERS,
} from "./http.ts";
import { isAdminOnly, matchRoute } from "./api_routes.ts";
import { DeviceCookies } from "./device_cookie.ts";
import { LiveFeed, type LiveFeedOptions } from "./live_feed.ts";
import { login, type LoginDeps, logout } from "./login.ts";
import { LoginThrottle, type ThrottleOptions } from "./login_throttle.ts";
import { METRICS_CONTENT_TYPE, renderMetrics } from "./metrics.ts";
import type { SettingsStore } from "./password_setup.ts";
import { checkHost, checkOrigin, liveRole, RequestGuard } from "./request_guard.ts";
import { AdminSessions, type SessionLimits } from "./sessions.ts";
import { type AdminAssets, assetServer } from "./static_assets.ts";
import { StatsHistory } from "./stats_history.ts";

/** What the admin handler is built from. */
export interface AdminHandlerOptions {
  /** The running chat server. */
  control: ChatControl;
  /** The page's files (the app passes `admin_ui/bundle.gen.ts`); absent: the API only. */
  assets?: AdminAssets;
  /** Where the admin password hash is kept. */
  settings: SettingsStore;
  /** `FASTCHAT_ADMIN_TOKEN`: enables `Authorization: Bearer <token>`; null or absent: off. */
  token?: string | null;
  /** Milliseconds since the epoch (default `Date.now`). */
  clock?: Clock;
  /** Session lifetimes (default 30 minutes idle, 12 hours at most). */
  sessionLimits?: SessionLimits;
  /** Login and bearer-token throttling (default: delays doubling from 1 s after 5 failures). */
  throttle?: ThrottleOptions;
  /** Extra `Host` names the page answers to (`--admin-host-names`); see `checkHost`. */
  hostNames?: readonly string[];
  /** Where failed logins, bad tokens and aborted requests are logged (default: nowhere). */
  log?: Logger;
  /** Live feed pacing (default: flush every 200 ms, counters every second). */
  liveFeed?: Pick<LiveFeedOptions, "flushMs" | "statsMs" | "maxMessagesPerFlush">;
  /** Called once for each unexpected error (answered 500); default `console.error`. */
  onError?: (error: unknown) => void;
}

/** Connection details of a request, as `Deno.serve` gives them. */
export interface AdminRequestInfo {
  remoteAddr: Deno.Addr;
  /**
   * Marks the connection the request came on as a staff member's (called once a request
   * on it is authenticated): when the admin port is full, connections that never were go
   * first (lib/admin/listener.ts).
   */
  authenticated?: () => void;
}

/** The admin HTTP side of a server. */
export interface AdminHandler {
  /** Answers one request. Never throws. */
  handler(req: Request, info: AdminRequestInfo): Promise<Response>;
  /** Ends the live feeds, so that the HTTP server can finish. */
  close(): void;
}

/** Builds the admin handler. */
export function createAdminHandler(options: AdminHandlerOptions): AdminHandler {
  const { control, settings } = options;
  const clock = options.clock ?? Date.now;
  const onError = options.onError ?? ((error) => console.error("admin: unexpected error:", error));
  const sessions = new AdminSessions(clock, options.sessionLimits);
  const log = options.log ?? { log() {} };
  const hostNames = options.hostNames ?? [];
  const staticAsset = assetServer(options.assets ?? null);
  const guard = new RequestGuard(
    sessions,
    options.token ?? null,
    new LoginThrottle(clock, options.throttle),
    (address, delayMs) => log.log("warn", "admin_bad_token", { address, delay_ms: delayMs }),
    (userId, since) => control.staffRoleOf(userId, since),
  );
  const feed = new LiveFeed({ control, clock, ...options.liveFeed });
  const statsHistory = new StatsHistory();
  statsHistory.start(() => control.stats(), clock);
  const loginDeps: LoginDeps = {
    settings,
    sessions,
    verifyAccount: (name, password) => control.verifyAccount(name, password),
    roleOf: (userId) => control.staffRoleOf(userId),
    throttle: new LoginThrottle(clock, options.throttle),
    devices: new DeviceCookies(settings, clock),
    audit: (action, by, address) =>
      control.audit({ at: clock(), by, address, action, target: null, detail: null }),
    onFailure: (user, address, delayMs) =>
      log.log("warn", "admin_login_failed", { user, address, delay_ms: delayMs }),
  };

  async function route(req: Request, info: AdminRequestInfo): Promise<Response> {
    const url = requestUrl(req);
    const path = url.pathname;
    const { host, address } = describeAddress(info.remoteAddr);
    checkHost(req, hostNames);
    checkOrigin(req);

    const asset = staticAsset(path, req.method);
    if (asset) return asset;
    if (path === "/api/login") {
      requireMethod(req, "POST");
      const answer = await login(req, host, address, loginDeps);
      if (answer.ok) info.authenticated?.();
      return answer;
    }
    if (path !== "/metrics" && path !== "/api" && !path.startsWith("/api/")) {
      throw new HttpError(404, "not_found", `There is nothing at ${path}.`);
    }

    if (path === "/api/events") {
      requireMethod(req, "GET");
      const actor = await guard.authenticate(req, host, address, false);
      info.authenticated?.();
      const sessionId = actor.sessionId;
      // The stream ends with the session: logout, expiry, or the member's role revoked.
      return feed.open(actor.by, () => {
        if (sessionId === null) return true;
        const session = sessions.get(sessionId, false);
        return session !== null &&
          liveRole(sessions, session, (id, since) => control.staffRoleOf(id, since)) !== null;
      });
    }
    const actor = await guard.authenticate(req, host, address);
    info.authenticated?.();
    if (path === "/metrics") {
      requireMethod(req, "GET");
      return new Response(renderMetrics(control.stats()), {
        headers: { ...SECURITY_HEADERS, "content-type": METRICS_CONTENT_TYPE },
      });
    }
    if (path === "/api/logout") {
      requireMethod(req, "POST");
      return await logout(req, actor.by, address, loginDeps);
    }
    if (path === "/api/session") {
      requireMethod(req, "GET");
      return Response.json({ user: actor.by }, { headers: SECURITY_HEADERS });
    }
    if (path === "/api/me") {
      requireMethod(req, "GET");
      return Response.json({ user: actor.by, role: actor.role }, { headers: SECURITY_HEADERS });
    }
    const found = matchRoute(req.method, path);
    if (!found) throw new HttpError(404, "not_found", `There is no API route ${path}.`);
    // The one role check (PROTOCOL.md "Staff"): a moderator may not call an admin-only route.
    if (isAdminOnly(found.route) && actor.role !== "admin") {
      throw new HttpError(403, "forbidden", "Only an admin may do this; you are a moderator.");
    }
    const response = await found.route.run({
      req,
      url,
      params: found.params,
      actor: { by: actor.by, address: actor.address },
      control,
      clock,
      statsHistory,
    });
    if (found.route.mutates) feed.signal("audit");
    return response;
  }

  return {
    handler: async (req, info) => {
      try {
        return await route(req, info);
      } catch (error) {
        if (error instanceof ClientAbortedError) {
          const { address } = describeAddress(info.remoteAddr);
          const path = URL.parse(req.url)?.pathname ?? "?";
          log.log("info", "admin_request_aborted", { address, path });
          return errorResponse(new HttpError(400, "aborted", error.message));
        }
        const mapped = mapError(error);
        if (!mapped) {
          onError(error);
          return errorResponse(
            new HttpError(500, "internal", "The server failed to answer; see its log."),
          );
        }
        return errorResponse(mapped);
      }
    },
    close: () => {
      statsHistory.stop();
      feed.closeAll();
    },
  };
}

function requireMethod(req: Request, method: string): void {
  if (req.method !== method) {
    throw new HttpError(405, "method_not_allowed", `Use ${method} on this route.`, {
      allow: method,
    });
  }
}

function describeAddress(addr: Deno.Addr): { host: string; address: string } {
  if (addr.transport === "tcp" || addr.transport === "udp") {
    const host = addr.hostname;
    return {
      host,
      address: host.includes(":") ? `[${host}]:${addr.port}` : `${host}:${addr.port}`,
    };
  }
  const path = "path" in addr ? addr.path : "";
  return { host: path || "local", address: path || "local" };
}

function mapError(error: unknown): HttpError | null {
  if (error instanceof HttpError) return error;
  if (error instanceof NoSuchUserError) return new HttpError(404, "no_such_user", error.message);
  if (error instanceof ControlError) return new HttpError(error.status, error.code, error.message);
  if (error instanceof RoomControlError) {
    const status = error.code === "invalid_room" ? 400 : error.code === "no_such_room" ? 404 : 409;
    return new HttpError(status, error.code, error.message);
  }
  if (error instanceof StoreUnavailableError) {
    return new HttpError(503, "unavailable", "The database is unavailable; try again shortly.");
  }
  return null;
}
