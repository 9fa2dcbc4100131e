/**
 * A user's sanctions as the rows show them (`admin_ui/src/user_sanctions.ts`): read from the
 * moderation list by name, one whose time is over left out before the list reloads, and the
 * badge in the page's language ("muet jusqu'à 14:05").
 */
import assert from "node:assert/strict";
import { sanctionBadge, sanctionDetail, sanctionsOf } from "../../admin_ui/src/user_sanctions.ts";
import { language } from "../../admin_ui/src/i18n.ts";
import { moderation } from "../../admin_ui/src/state.ts";

const NOW = Date.parse("2030-01-01T12:00:00Z");
const at = (minutes: number) => new Date(NOW + minutes * 60_000).toISOString();

Deno.test("user sanctions: by name, kinds kept, ended ones left out", () => {
  moderation.value = {
    kicks: [{ user: "alice", until: at(-1), reason: "", by: "admin", at: at(-61) }],
    mutes: [
      { user: "kevin", until: at(5), reason: "Insultes", by: "prof", at: at(-5) },
      { user: "alice", until: at(10), reason: "", by: "admin", at: at(-1) },
    ],
    bans: [{ user: "mallory", reason: "spam", by: "admin", at: at(-100) }],
  };
  try {
    assert.deepEqual(sanctionsOf("kevin", NOW).map((s) => s.kind), ["mute"]);
    // alice's kick ended a minute ago: only her mute is left.
    assert.deepEqual(sanctionsOf("alice", NOW).map((s) => s.kind), ["mute"]);
    assert.deepEqual(sanctionsOf("mallory", NOW).map((s) => s.kind), ["ban"]);
    assert.deepEqual(sanctionsOf("Kevin", NOW), [], "names are the server's own spelling");
    assert.deepEqual(sanctionsOf("kevin", NOW + 5 * 60_000), [], "gone when it ends");
  } finally {
    moderation.value = { kicks: [], mutes: [], bans: [] };
  }
});

Deno.test("user sanctions: the badge and its tooltip in French and English", () => {
  const mute = {
    kind: "mute",
    user: "kevin",
    until: at(5),
    reason: "Insultes",
    by: "prof",
    at: at(0),
  } as const;
  const ban = { kind: "ban", user: "mallory", reason: "", by: "admin", at: at(0) } as const;
  const before = language.value;
  try {
    language.value = "fr";
    assert.match(sanctionBadge(mute, NOW), /^muet jusqu'à (?:.+ )?\d{1,2}:\d{2}$/);
    assert.match(
      sanctionDetail(mute, NOW),
      /^muet jusqu'à .+ \(dans\s5\smin\) · Insultes · par prof$/,
    );
    assert.equal(sanctionBadge(ban, NOW), "banni");
    assert.equal(sanctionDetail(ban, NOW), "banni (jusqu'à levée) · par admin");
    language.value = "en";
    assert.match(sanctionBadge(mute, NOW), /^muted until .*\d{1,2}:\d{2}/);
    assert.equal(sanctionBadge(ban, NOW), "banned");
  } finally {
    language.value = before;
  }
});
