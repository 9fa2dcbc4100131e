import { deepStrictEqual as assertEquals } from "node:assert/strict";
import {
  checkRoomName,
  checkUserName,
  foldName,
  isAcceptablePassword,
} from "../../lib/protocol/names.ts";
import { formatMsgid, parseMsgid } from "../../lib/protocol/msgid.ts";
import { REQUEST_SCHEMAS } from "../../lib/protocol/requests.ts";

Deno.test("names: full Unicode case folding, not ASCII-only", () => {
  assertEquals(foldName("Élodie"), foldName("ÉLODIE"));
  assertEquals(foldName("straße"), foldName("STRASSE"));
  assertEquals(foldName("STRAẞE"), foldName("straße"));
  assertEquals(foldName("ſtar"), foldName("STAR"));
  assertEquals(foldName("ıa") === foldName("ia"), false, "dotless i is its own letter");
  assertEquals(foldName("ΟΔΟΣ"), foldName("οδος"));
  assertEquals(foldName("Général"), foldName("GÉNÉRAL"));
});

Deno.test("names: NFC and NFD spellings are one name", () => {
  assertEquals(foldName("E\u0301lodie"), foldName("Élodie"));
  assertEquals(checkUserName("E\u0301lodie"), "Élodie");
});

Deno.test("names: bad input user names that break the rules", () => {
  for (const bad of ["", "a", "x".repeat(33), "with space", "semi;colon", "emoji😀", "tab\t"]) {
    assertEquals(checkUserName(bad), null, bad);
  }
  for (const good of ["ab", "x".repeat(32), "Élodie", "名前", "a_b.c-d", "user42"]) {
    assertEquals(checkUserName(good), good, good);
  }
});

Deno.test("names: bad input room names with control characters or outer spaces", () => {
  for (const bad of ["", " lead", "trail ", "bell\u0007", "x".repeat(65), "new\nline"]) {
    assertEquals(checkRoomName(bad), null, JSON.stringify(bad));
  }
  for (const good of ["g", "Général", "inner space ok", "x".repeat(64), "🎉 party"]) {
    assertEquals(checkRoomName(good), good, good);
  }
});

Deno.test("names: bad input passwords too short or over 1024 bytes", () => {
  assertEquals(isAcceptablePassword("1234567"), false);
  assertEquals(isAcceptablePassword("12345678"), true);
  assertEquals(isAcceptablePassword("é".repeat(512)), true);
  assertEquals(isAcceptablePassword("é".repeat(513)), false);
});

Deno.test("msgid: sorts as strings in numeric order; bad input is refused", () => {
  const ids = [1, 9, 10, 99, 100, 123456789].map(formatMsgid);
  assertEquals([...ids].sort(), ids);
  assertEquals(parseMsgid(formatMsgid(42)), 42);
  for (const bad of ["", "42", "abc", "00000000000000042", "-000000000000042"]) {
    assertEquals(parseMsgid(bad), null, bad);
  }
});

Deno.test("requests: a cid counts code points: 64 emoji pass, 65 or an empty one do not", () => {
  const say = (cid: string) => REQUEST_SCHEMAS.say.safeParse({ room: "r", text: "t", cid }).success;
  assertEquals(say("😀".repeat(64)), true);
  assertEquals(say("😀".repeat(65)), false);
  assertEquals(say(""), false);
});
