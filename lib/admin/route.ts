/** The shape of one admin API route and what its handler is given (`api_routes.ts`). */
import type { Actor, ChatControl } from "../server/control.ts";
import type { Clock } from "../common/clock.ts";
import type { StatsHistory } from "./stats_history.ts";

/** What a route handler is given. */
export interface RouteContext {
  req: Request;
  url: URL;
  /** Path parameters, already URL-decoded. */
  params: Record<string, string>;
  actor: Actor;
  control: ChatControl;
  clock: Clock;
  /** The last hour of counters (`GET /api/stats/history`). */
  statsHistory: StatsHistory;
}

/** One API route. */
export interface Route {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Matched against the whole path; named groups become `params`. */
  pattern: RegExp;
  /** Whether the route changes state (recorded in the audit feed signal). */
  mutates: boolean;
  /**
   * Whether only an admin may call it (PROTOCOL.md "Staff": ban/unban, address bans,
   * rooms, roles, shutdown); a moderator gets 403 `forbidden`. The role check reads this.
   */
  adminOnly: boolean;
  run(ctx: RouteContext): Promise<Response>;
}
