/**
 * The admin API routes behind the login: one table of method, path pattern and handler.
 * Bodies are validated by `bodies.ts`; errors thrown here are mapped to HTTP by the handler.
 */
import type { SanctionKind } from "../store/store.ts";
import { empty, HttpError, json, readJson } from "./http.ts";
import {
  AddressBanBody,
  AuditQuery,
  BanBody,
  CreateRoomBody,
  MessagesQuery,
  parseInput,
  ReportsQuery,
  ResolveReportBody,
  ShutdownBody,
  SlowModeBody,
  TimedSanctionBody,
  TopicBody,
} from "./bodies.ts";
import {
  addressBanView,
  auditView,
  instancesView,
  messageView,
  moderationView,
  reportView,
  roomView,
  statsView,
  usersView,
} from "./views.ts";
import { isoTime } from "../common/time.ts";
import type { Route, RouteContext } from "./route.ts";
import { STAFF_ROUTES } from "./staff_routes.ts";

export type { Route, RouteContext } from "./route.ts";

const LIFT_KINDS: Record<string, SanctionKind> = { kicks: "kick", mutes: "mute", bans: "ban" };

/** The API routes served under `/api/` once authenticated (login/logout/events aside). */
export const API_ROUTES: readonly Route[] = [
  get(/^\/api\/users$/, async ({ control }) => json(usersView(await control.listUsers()))),
  get(/^\/api\/instances$/, ({ control }) => json(instancesView(control.listInstances()))),
  get(/^\/api\/rooms$/, ({ control }) => json({ rooms: control.listRooms().map(roomView) })),
  get(/^\/api\/stats$/, ({ control, clock }) => json(statsView(control.stats(), clock()))),
  get(/^\/api\/stats\/history$/, ({ statsHistory }) => json(statsHistory.view())),
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
  adminOnly(post(/^\/api\/ban$/, async ({ control, req, actor }) => {
    const body = parseInput(BanBody, await readJson(req));
    const result = await control.ban(body.user, body.reason, actor);
    return json({ user: result.user });
  })),
  del(/^\/api\/(?<kind>kicks|mutes)\/(?<user>[^/]+)$/, liftByPath),
  adminOnly(del(/^\/api\/(?<kind>bans)\/(?<user>[^/]+)$/, liftByPath)),
  // The same with the name in the query (`?user=..`): URL normalisation removes the path
  // segments `.` and `..` (even written `%2e%2e`), which are valid user names.
  del(/^\/api\/(?<kind>kicks|mutes)$/, liftByQuery),
  adminOnly(del(/^\/api\/(?<kind>bans)$/, liftByQuery)),
  adminOnly(post(/^\/api\/rooms$/, async ({ control, req, actor }) => {
    const body = parseInput(CreateRoomBody, await readJson(req));
    return json({ room: roomView(await control.createRoom(body.name, body.topic, actor)) }, 201);
  })),
  adminOnly(del(/^\/api\/rooms\/(?<name>[^/]+)$/, async ({ control, params, actor }) => {
    await control.deleteRoom(params.name!, actor);
    return empty(204);
  })),
  adminOnly(del(/^\/api\/rooms$/, async ({ control, url, actor }) => {
    await control.deleteRoom(queryName(url, "name"), actor);
    return empty(204);
  })),
  {
    method: "PUT",
    pattern: /^\/api\/rooms\/(?<name>[^/]+)\/topic$/,
    mutates: true,
    adminOnly: false,
    run: async ({ control, req, params, actor }) => {
      const body = parseInput(TopicBody, await readJson(req));
      return json({ room: roomView(await control.setTopic(params.name!, body.topic, actor)) });
    },
  },
  {
    method: "PUT",
    pattern: /^\/api\/topic$/,
    mutates: true,
    adminOnly: false,
    run: async ({ control, req, url, actor }) => {
      const name = queryName(url, "room");
      const body = parseInput(TopicBody, await readJson(req));
      return json({ room: roomView(await control.setTopic(name, body.topic, actor)) });
    },
  },
  adminOnly(post(/^\/api\/shutdown$/, async ({ control, req, actor, clock }) => {
    const body = parseInput(ShutdownBody, await readJson(req));
    control.shutdown(body.message, body.delay, actor, body.scope);
    const at = isoTime(clock() + body.delay * 1000);
    return json({ message: body.message, in: body.delay, at, scope: body.scope }, 202);
  })),
  // Moderation 2.0 (issue 15): slow mode, message removal, the report queue (moderators
  // too), address bans (admins only).
  {
    method: "PUT",
    pattern: /^\/api\/rooms\/(?<name>[^/]+)\/slowmode$/,
    mutates: true,
    adminOnly: false,
    run: async ({ control, req, params, actor }) => {
      const { seconds } = parseInput(SlowModeBody, await readJson(req));
      const room = await control.setSlowMode(params.name!, seconds, actor);
      return json({ room: room.name, seconds: room.slowmode });
    },
  },
  del(/^\/api\/messages\/(?<msgid>[^/]+)$/, async ({ control, params, actor }) => {
    await control.deleteMessage(params.msgid!, actor);
    return empty(204);
  }),
  get(/^\/api\/reports$/, async ({ control, url }) => {
    const query = parseInput(ReportsQuery, Object.fromEntries(url.searchParams), "query");
    const reports = await control.listReports(query.status, query.limit);
    return json({ reports: reports.map(reportView) });
  }),
  post(/^\/api\/reports\/(?<id>[^/]+)$/, async ({ control, req, params, actor }) => {
    const id = numericId(params.id!, "no_such_report", "report");
    const { action } = parseInput(ResolveReportBody, await readJson(req));
    await control.resolveReport(id, action, actor);
    return json({ id, status: "closed", action });
  }),
  adminOnly(get(/^\/api\/address-bans$/, ({ control }) => {
    return json({ bans: control.listAddressBans().map(addressBanView) });
  })),
  adminOnly(post(/^\/api\/address-bans$/, async ({ control, req, actor }) => {
    const body = parseInput(AddressBanBody, await readJson(req));
    const ban = await control.addAddressBan({
      address: body.address,
      durationMs: body.duration,
      reason: body.reason,
    }, actor);
    const view = addressBanView(ban);
    return json(view.until === undefined ? { id: view.id } : { id: view.id, until: view.until });
  })),
  adminOnly(del(/^\/api\/address-bans\/(?<id>[^/]+)$/, async ({ control, params, actor }) => {
    await control.removeAddressBan(numericId(params.id!, "no_such_ban", "address ban"), actor);
    return empty(204);
  })),
  // Staff roles (admins grant and revoke; everyone sees) and the accounts directory.
  ...STAFF_ROUTES,
];

/** The routes a moderator may not call (for the role check and the page). */
export function isAdminOnly(route: Route): boolean {
  return route.adminOnly;
}

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

/** Marks a route admin-only (see {@linkcode Route.adminOnly}). */
function adminOnly(route: Route): Route {
  return { ...route, adminOnly: true };
}

/** `DELETE /api/{kicks,mutes,bans}/{user}`. */
async function liftByPath({ control, params, actor }: RouteContext): Promise<Response> {
  await control.lift(params.user!, LIFT_KINDS[params.kind!]!, actor);
  return empty(204);
}

/** `DELETE /api/{kicks,mutes,bans}?user=`. */
async function liftByQuery({ control, params, url, actor }: RouteContext): Promise<Response> {
  await control.lift(queryName(url, "user"), LIFT_KINDS[params.kind!]!, actor);
  return empty(204);
}

/** A numeric id from the path (a positive safe integer), or a 404 with `code`. */
function numericId(text: string, code: string, what: string): number {
  const id = /^[1-9]\d{0,15}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(id)) {
    throw new HttpError(404, code, `There is no ${what} ${JSON.stringify(text.slice(0, 40))}.`);
  }
  return id;
}

function get(pattern: RegExp, run: Run): Route {
  return {
    method: "GET",
    pattern,
    mutates: false,
    adminOnly: false,
    run: async (ctx) => await run(ctx),
  };
}

function post(pattern: RegExp, run: Run): Route {
  return {
    method: "POST",
    pattern,
    mutates: true,
    adminOnly: false,
    run: async (ctx) => await run(ctx),
  };
}

function del(pattern: RegExp, run: Run): Route {
  return {
    method: "DELETE",
    pattern,
    mutates: true,
    adminOnly: false,
    run: async (ctx) => await run(ctx),
  };
}
