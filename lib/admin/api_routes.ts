/**
 * The admin API routes behind the login: one table of method, path pattern and handler.
 * Bodies are validated by `bodies.ts`; errors thrown here are mapped to HTTP by the handler.
 */
import type { Actor, ChatControl } from "../server/control.ts";
import type { SanctionKind } from "../store/store.ts";
import { empty, HttpError, json, readJson } from "./http.ts";
import {
  AuditQuery,
  BanBody,
  CreateRoomBody,
  MessagesQuery,
  parseInput,
  ShutdownBody,
  TimedSanctionBody,
  TopicBody,
} from "./bodies.ts";
import { auditView, messageView, moderationView, roomView, statsView, usersView } from "./views.ts";
import type { Clock } from "../common/clock.ts";
import { isoTime } from "../common/time.ts";

/** What a route handler is given. */
export interface RouteContext {
  req: Request;
  url: URL;
  /** Path parameters, already URL-decoded. */
  params: Record<string, string>;
  actor: Actor;
  control: ChatControl;
  clock: Clock;
}

/** One API route. */
export interface Route {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Matched against the whole path; named groups become `params`. */
  pattern: RegExp;
  /** Whether the route changes state (recorded in the audit feed signal). */
  mutates: boolean;
  run(ctx: RouteContext): Promise<Response>;
}

const LIFT_KINDS: Record<string, SanctionKind> = { kicks: "kick", mutes: "mute", bans: "ban" };

/** The API routes served under `/api/` once authenticated (login/logout/events aside). */
export const API_ROUTES: readonly Route[] = [
  get(/^\/api\/users$/, ({ control }) => json(usersView(control.listUsers()))),
  get(/^\/api\/rooms$/, ({ control }) => json({ rooms: control.listRooms().map(roomView) })),
  get(/^\/api\/stats$/, ({ control, clock }) => json(statsView(control.stats(), clock()))),
  get(/^\/api\/moderation$/, ({ control }) => json(moderationView(control.sanctions()))),
  get(/^\/api\/messages$/, async ({ control, url }) => {
    const query = parseInput(MessagesQuery, Object.fromEntries(url.searchParams), "query");
    const messages = await control.recentMessages(query);
    return json({ messages: messages.map(messageView) });
  }),
  get(/^\/api\/audit$/, async ({ control, url }) => {
    const { limit } = parseInput(AuditQuery, Object.fromEntries(url.searchParams), "query");
    return json({ entries: (await control.listAudit(limit)).map(auditView) });
  }),
  post(/^\/api\/kick$/, async ({ control, req, actor }) => {
    const body = parseInput(TimedSanctionBody, await readJson(req));
    const result = await control.kick(body.user, body.duration, body.reason, actor);
    return json({ user: result.user, until: result.until });
  }),
  post(/^\/api\/mute$/, async ({ control, req, actor }) => {
    const body = parseInput(TimedSanctionBody, await readJson(req));
    const result = await control.mute(body.user, body.duration, body.reason, actor);
    return json({ user: result.user, until: result.until });
  }),
  post(/^\/api\/ban$/, async ({ control, req, actor }) => {
    const body = parseInput(BanBody, await readJson(req));
    const result = await control.ban(body.user, body.reason, actor);
    return json({ user: result.user });
  }),
  del(/^\/api\/(?<kind>kicks|mutes|bans)\/(?<user>[^/]+)$/, async ({ control, params, actor }) => {
    await control.lift(params.user!, LIFT_KINDS[params.kind!]!, actor);
    return empty(204);
  }),
  // The same with the name in the query (`?user=..`): URL normalisation removes the path
  // segments `.` and `..` (even written `%2e%2e`), which are valid user names.
  del(/^\/api\/(?<kind>kicks|mutes|bans)$/, async ({ control, params, url, actor }) => {
    await control.lift(queryName(url, "user"), LIFT_KINDS[params.kind!]!, actor);
    return empty(204);
  }),
  post(/^\/api\/rooms$/, async ({ control, req, actor }) => {
    const body = parseInput(CreateRoomBody, await readJson(req));
    return json({ room: roomView(await control.createRoom(body.name, body.topic, actor)) }, 201);
  }),
  del(/^\/api\/rooms\/(?<name>[^/]+)$/, async ({ control, params, actor }) => {
    await control.deleteRoom(params.name!, actor);
    return empty(204);
  }),
  del(/^\/api\/rooms$/, async ({ control, url, actor }) => {
    await control.deleteRoom(queryName(url, "name"), actor);
    return empty(204);
  }),
  {
    method: "PUT",
    pattern: /^\/api\/rooms\/(?<name>[^/]+)\/topic$/,
    mutates: true,
    run: async ({ control, req, params, actor }) => {
      const body = parseInput(TopicBody, await readJson(req));
      return json({ room: roomView(await control.setTopic(params.name!, body.topic, actor)) });
    },
  },
  {
    method: "PUT",
    pattern: /^\/api\/topic$/,
    mutates: true,
    run: async ({ control, req, url, actor }) => {
      const name = queryName(url, "room");
      const body = parseInput(TopicBody, await readJson(req));
      return json({ room: roomView(await control.setTopic(name, body.topic, actor)) });
    },
  },
  post(/^\/api\/shutdown$/, async ({ control, req, actor, clock }) => {
    const body = parseInput(ShutdownBody, await readJson(req));
    control.shutdown(body.message, body.delay, actor);
    const at = isoTime(clock() + body.delay * 1000);
    return json({ message: body.message, in: body.delay, at }, 202);
  }),
];

/** Finds the route for a method and path: the route, 405 (with the allowed methods), or null. */
export function matchRoute(
  method: string,
  path: string,
): { route: Route; params: Record<string, string> } | null {
  const allowed: string[] = [];
  for (const route of API_ROUTES) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    if (route.method !== method) {
      allowed.push(route.method);
      continue;
    }
    const params: Record<string, string> = {};
    for (const [key, value] of Object.entries(match.groups ?? {})) params[key] = decode(value);
    return { route, params };
  }
  if (allowed.length > 0) {
    throw new HttpError(405, "method_not_allowed", `Use ${allowed.join(" or ")} on ${path}.`, {
      allow: allowed.join(", "),
    });
  }
  return null;
}

/** A name given as query parameter `key` (for names a path cannot carry), or a 400. */
function queryName(url: URL, key: string): string {
  const value = url.searchParams.get(key);
  if (value === null || value === "") {
    throw new HttpError(400, "bad_request", `Cannot read query: parameter "${key}" is missing.`);
  }
  return value;
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new HttpError(400, "bad_request", `Cannot decode path segment ${JSON.stringify(value)}.`);
  }
}

type Run = (ctx: RouteContext) => Response | Promise<Response>;

function get(pattern: RegExp, run: Run): Route {
  return { method: "GET", pattern, mutates: false, run: async (ctx) => await run(ctx) };
}

function post(pattern: RegExp, run: Run): Route {
  return { method: "POST", pattern, mutates: true, run: async (ctx) => await run(ctx) };
}

function del(pattern: RegExp, run: Run): Route {
  return { method: "DELETE", pattern, mutates: true, run: async (ctx) => await run(ctx) };
}
