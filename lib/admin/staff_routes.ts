/**
 * The staff and accounts routes of the admin API (PROTOCOL.md "Admin HTTP API added"):
 * `GET/PUT/DELETE /api/staff`, `GET /api/accounts` and one account's detail. Roles are
 * granted and revoked by admins only (the handler's role check reads `adminOnly`).
 */
import { z } from "zod";
import { empty, HttpError, json, readJson } from "./http.ts";
import { parseInput } from "./bodies.ts";
import type { Route, RouteContext } from "./route.ts";
import { accountDetailView, accountView, staffView } from "./views.ts";

/** `PUT /api/staff/{user}`: the role to grant. */
export const RoleBody = z.object({
  role: z.enum(["moderator", "admin"], 'must be "moderator" or "admin"'),
});

/** `GET /api/accounts` query: `query` (a substring of the name), `limit` 1..200 (50), `after`. */
export const AccountsQuery = z.object({
  query: z.string().max(256, "is too long").optional().transform((v) => v?.trim() || undefined),
  limit: z.string().regex(/^\d+$/, "must be a whole number").transform(Number)
    .pipe(z.int().min(1, "must be at least 1").max(200, "must be at most 200")).optional()
    .transform((v) => v ?? 50),
  after: z.string().max(256, "is too long").optional().transform((v) => v || undefined),
});

/** The staff and accounts routes (kept with the others in `API_ROUTES`). */
export const STAFF_ROUTES: readonly Route[] = [
  route("GET", /^\/api\/staff$/, false, false, ({ control }) => {
    return Promise.resolve(json({ staff: control.listStaff().map(staffView) }));
  }),
  route("PUT", /^\/api\/staff\/(?<user>[^/]+)$/, true, true, (ctx) => grant(ctx, ctx.params.user!)),
  route("PUT", /^\/api\/staff$/, true, true, (ctx) => grant(ctx, userParam(ctx.url))),
  route("DELETE", /^\/api\/staff\/(?<user>[^/]+)$/, true, true, (ctx) => {
    return revoke(ctx, ctx.params.user!);
  }),
  route("DELETE", /^\/api\/staff$/, true, true, (ctx) => revoke(ctx, userParam(ctx.url))),
  route("GET", /^\/api\/accounts$/, false, false, async ({ control, url }) => {
    // `?user=` asks for one account (names `.` and `..` cannot be a path segment).
    if (url.searchParams.has("user")) {
      return json(accountDetailView(await control.accountDetail(userParam(url))));
    }
    const query = parseInput(AccountsQuery, Object.fromEntries(url.searchParams), "query");
    const page = await control.listAccounts(query);
    return json({ accounts: page.accounts.map(accountView), more: page.more });
  }),
  route("GET", /^\/api\/accounts\/(?<user>[^/]+)$/, false, false, async ({ control, params }) => {
    return json(accountDetailView(await control.accountDetail(params.user!)));
  }),
];

async function grant(ctx: RouteContext, user: string): Promise<Response> {
  const { role } = parseInput(RoleBody, await readJson(ctx.req));
  return json(await ctx.control.grantRole(user, role, ctx.actor));
}

async function revoke(ctx: RouteContext, user: string): Promise<Response> {
  await ctx.control.revokeRole(user, ctx.actor);
  return empty(204);
}

/** The `user` query parameter, or a 400. */
function userParam(url: URL): string {
  const value = url.searchParams.get("user");
  if (value === null || value === "") {
    throw new HttpError(400, "bad_request", 'Cannot read query: parameter "user" is missing.');
  }
  return value;
}

function route(
  method: Route["method"],
  pattern: RegExp,
  mutates: boolean,
  adminOnly: boolean,
  run: (ctx: RouteContext) => Promise<Response>,
): Route {
  return { method, pattern, mutates, adminOnly, run };
}
