/**
 * The role of every admin API route matches PROTOCOL.md "Staff" exactly: admin-only are
 * ban/unban, address bans, creating and deleting rooms, granting and revoking roles and
 * shutdown; everything else (seeing, kick, mute, message deletion, reports, slow mode,
 * topics) is open to moderators. A route added without a decision fails here.
 */
import assert from "node:assert/strict";
import { API_ROUTES, isAdminOnly } from "../../lib/admin/api_routes.ts";

/** Every route, `METHOD pattern`, with whether it is admin-only. */
const EXPECTED: Record<string, boolean> = {
  "GET ^\\/api\\/users$": false,
  "GET ^\\/api\\/rooms$": false,
  "GET ^\\/api\\/stats$": false,
  "GET ^\\/api\\/stats\\/history$": false,
  "GET ^\\/api\\/moderation$": false,
  "GET ^\\/api\\/messages$": false,
  "GET ^\\/api\\/audit$": false,
  "GET ^\\/api\\/instances$": false,
  "POST ^\\/api\\/kick$": false,
  "POST ^\\/api\\/mute$": false,
  "POST ^\\/api\\/ban$": true,
  "DELETE ^\\/api\\/(?<kind>kicks|mutes)\\/(?<user>[^/]+)$": false,
  "DELETE ^\\/api\\/(?<kind>bans)\\/(?<user>[^/]+)$": true,
  "DELETE ^\\/api\\/(?<kind>kicks|mutes)$": false,
  "DELETE ^\\/api\\/(?<kind>bans)$": true,
  "POST ^\\/api\\/rooms$": true,
  "DELETE ^\\/api\\/rooms\\/(?<name>[^/]+)$": true,
  "DELETE ^\\/api\\/rooms$": true,
  "PUT ^\\/api\\/rooms\\/(?<name>[^/]+)\\/topic$": false,
  "PUT ^\\/api\\/topic$": false,
  "POST ^\\/api\\/shutdown$": true,
  "PUT ^\\/api\\/rooms\\/(?<name>[^/]+)\\/slowmode$": false,
  "DELETE ^\\/api\\/messages\\/(?<msgid>[^/]+)$": false,
  "GET ^\\/api\\/reports$": false,
  "POST ^\\/api\\/reports\\/(?<id>[^/]+)$": false,
  "GET ^\\/api\\/address-bans$": true,
  "POST ^\\/api\\/address-bans$": true,
  "DELETE ^\\/api\\/address-bans\\/(?<id>[^/]+)$": true,
  "GET ^\\/api\\/staff$": false,
  "PUT ^\\/api\\/staff\\/(?<user>[^/]+)$": true,
  "PUT ^\\/api\\/staff$": true,
  "DELETE ^\\/api\\/staff\\/(?<user>[^/]+)$": true,
  "DELETE ^\\/api\\/staff$": true,
  "GET ^\\/api\\/accounts$": false,
  "GET ^\\/api\\/accounts\\/(?<user>[^/]+)$": false,
};

Deno.test("every admin API route's adminOnly flag matches the Staff table of PROTOCOL.md", () => {
  const actual = Object.fromEntries(
    API_ROUTES.map((r) => [`${r.method} ${r.pattern.source}`, isAdminOnly(r)]),
  );
  assert.deepEqual(actual, EXPECTED);
});
