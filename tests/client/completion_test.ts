import assert from "node:assert/strict";
import { complete } from "../../lib/client/completion.ts";
import { COMMANDS } from "../../lib/client/commands.ts";

const source = {
  rooms: ["general", "Général", "dev talk", "design"],
  joinedRooms: ["general", "dev talk"],
  users: ["alice", "Alfred", "bob"],
};

Deno.test("completion: command names after a slash", () => {
  assert.deepEqual(complete("/jo", source), [["/join "], "/jo"]);
  assert.deepEqual(complete("/", source)[0].length, COMMANDS.length);
  assert.deepEqual(complete("/zz", source), [[], "/zz"]);
});

Deno.test("completion: room names for /join, joined rooms for /switch, case-insensitively", () => {
  assert.deepEqual(complete("/join de", source), [["design", "dev talk"], "de"]);
  assert.deepEqual(complete("/join gé", source), [["Général"], "gé"]);
  assert.deepEqual(complete("/switch d", source), [["dev talk"], "d"]);
});

Deno.test("completion: user names for /msg and for the last word of a message", () => {
  assert.deepEqual(complete("/msg al", source), [["Alfred ", "alice "], "al"]);
  assert.deepEqual(complete("AL", source), [["Alfred: ", "alice: "], "AL"]);
  assert.deepEqual(complete("thanks b", source), [["bob"], "b"]);
  assert.deepEqual(complete("thanks ", source), [[], ""]);
});
