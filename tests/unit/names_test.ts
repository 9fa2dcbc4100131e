import { deepStrictEqual as assertEquals } from "node:assert/strict";
import {
  checkRoomName,
  checkUserName,
  foldName,
  hasBadMarks,
  hasInvisible,
  isAcceptablePassword,
  nameSkeleton,
  SKELETON_VERSION,
  skeletonKey,
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

/** Invisible, format and blank characters, each named. */
const INVISIBLES: Record<string, string> = {
  "U+200B zero width space": "\u200B",
  "U+200C zero width non-joiner": "\u200C",
  "U+200D zero width joiner": "\u200D",
  "U+2060 word joiner": "\u2060",
  "U+FEFF byte order mark": "\uFEFF",
  "U+00AD soft hyphen": "\u00AD",
  "U+202E right-to-left override": "\u202E",
  "U+202A left-to-right embedding": "\u202A",
  "U+2066 left-to-right isolate": "\u2066",
  "U+200F right-to-left mark": "\u200F",
  "U+061C arabic letter mark": "\u061C",
  "U+034F combining grapheme joiner": "\u034F",
  "U+FE00 variation selector 1": "\uFE00",
  "U+FE0F variation selector 16": "\uFE0F",
  "U+E0100 variation selector 17": "\u{E0100}",
  "U+E01EF variation selector 256": "\u{E01EF}",
  "U+E0041 tag latin capital a": "\u{E0041}",
  "U+3164 hangul filler": "\u3164",
  "U+115F hangul choseong filler": "\u115F",
  "U+1160 hangul jungseong filler": "\u1160",
  "U+FFA0 halfwidth hangul filler": "\uFFA0",
  "U+2800 braille pattern blank": "\u2800",
  "U+2028 line separator": "\u2028",
  "U+2029 paragraph separator": "\u2029",
  "U+180E mongolian vowel separator": "\u180E",
  "U+0085 next line": "\u0085",
};

Deno.test("names: bad input invisible, format and bidi characters in user and room names", () => {
  for (const [what, ch] of Object.entries(INVISIBLES)) {
    assertEquals(hasInvisible(ch), true, what);
    assertEquals(checkUserName(`admin${ch}`), null, `user admin + ${what}`);
    assertEquals(checkUserName(`ad${ch}min`), null, `user ad + ${what} + min`);
    assertEquals(checkRoomName(`general${ch}`), null, `room general + ${what}`);
    assertEquals(checkRoomName(`gen${ch}eral`), null, `room gen + ${what} + eral`);
  }
});

Deno.test("names: bad input blank-only names", () => {
  for (const blank of ["\u3164\u3164", "\u115F\u1160", "\uFFA0\uFFA0"]) {
    assertEquals(checkUserName(blank), null, JSON.stringify(blank));
  }
  for (const blank of ["\u2800", "\u3164", "\u2800\u2800", " ", "\u3000", "\u00A0", "\u2003"]) {
    assertEquals(checkRoomName(blank), null, JSON.stringify(blank));
  }
});

Deno.test("names: look-alikes of one name share its skeleton key", () => {
  const admin = skeletonKey("admin");
  const lookAlikes = {
    "Cyrillic а": "\u0430dmin",
    "fullwidth": "ａｄｍｉｎ",
    "mathematical bold": "𝐚𝐝𝐦𝐢𝐧",
    "upper case": "ADMIN",
    "Cyrillic and fullwidth mixed": "\u0430ｄmin",
  };
  for (const [what, name] of Object.entries(lookAlikes)) {
    assertEquals(skeletonKey(name), admin, what);
  }
  assertEquals(skeletonKey("g\u0435neral"), skeletonKey("general"), "Cyrillic е");
  assertEquals(skeletonKey("Général"), skeletonKey("GÉNÉRAL"));
  assertEquals(skeletonKey("Élodie"), skeletonKey("ÉLODIE"), "the contract's example");
  assertEquals(skeletonKey("straße"), skeletonKey("STRASSE"));
  assertEquals(skeletonKey("paypa1"), skeletonKey("paypal"), "digit one and l");
  assertEquals(skeletonKey("g00gle"), skeletonKey("google"), "digit zero and o");
  // UTS #39 lists "rn" as confusable with "m": the standard wins (docs/security.md).
  assertEquals(skeletonKey("rnoon"), skeletonKey("moon"));
  assertEquals(nameSkeleton("x").length > 0, true);
});

Deno.test("names: ordinary distinct names keep distinct skeleton keys", () => {
  const names = [
    "alice",
    "bob",
    "Élodie",
    "Elodie",
    "Général",
    "general",
    "名前",
    "名刺",
    "user42",
    "user43",
    "ıa",
    "ab",
    "a_b",
    "a-b",
    "a.b",
    "Анна",
    "Ганна",
  ];
  const keys = new Set(names.map(skeletonKey));
  assertEquals(keys.size, names.length);
  assertEquals(skeletonKey("alice").length, 64, "a fixed-length key");
});

Deno.test("names: valid names stay valid (the contract's examples)", () => {
  assertEquals(checkRoomName("Général"), "Général");
  assertEquals(checkUserName("Élodie"), "Élodie");
  assertEquals(checkRoomName("🎉 party"), "🎉 party");
  assertEquals(checkUserName("名前"), "名前");
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

Deno.test("names: bad input a capital I among lower-case letters looks like l (issue 11 retest)", () => {
  assertEquals(skeletonKey("paypaI"), skeletonKey("paypal"), "paypaI next to paypal");
  assertEquals(skeletonKey("bobI"), skeletonKey("bob1"), "bobI next to bob1");
  assertEquals(skeletonKey("generaI"), skeletonKey("general"), "room generaI next to general");
  assertEquals(skeletonKey("McIntyre"), skeletonKey("Mclntyre"));
  // Case variants stay one name, and accents stay apart.
  assertEquals(skeletonKey("Élodie"), skeletonKey("ÉLODIE"));
  assertEquals(skeletonKey("ADMIN"), skeletonKey("admin"));
  assertEquals(skeletonKey("Élodie") === skeletonKey("Elodie"), false);
  assertEquals(skeletonKey("alice") === skeletonKey("allce"), false, "lower-case i is not l");
  assertEquals(SKELETON_VERSION, "2");
});

/** Names that misuse combining marks, each named. */
const BAD_MARKS: Record<string, string> = {
  "only combining marks U+0300 U+0301": "\u0300\u0301",
  "a combining mark first": "\u0301ab",
  "3 marks on one base": "a\u0301\u0302\u0303b",
  "U+0336 long stroke overlay": "ad\u0336min",
  "U+0334 tilde overlay": "ad\u0334min",
  "U+0338 long solidus overlay": "ad\u0338min",
  "U+20DD enclosing circle": "ad\u20DDmin",
  "U+16FE4 Khitan filler": "ad\u{16FE4}min",
  "U+1D159 musical null notehead": "ad\u{1D159}min",
};

Deno.test("names: bad input combining-mark abuse and invisible fillers in user and room names", () => {
  for (const [what, name] of Object.entries(BAD_MARKS)) {
    assertEquals(checkUserName(name), null, `user: ${what}`);
    assertEquals(checkRoomName(name), null, `room: ${what}`);
  }
  assertEquals(checkRoomName("\u0301"), null, "room of one combining mark");
  assertEquals(hasBadMarks("admin"), false);
  // Vietnamese stacks two marks on one letter in NFD: still valid.
  for (const good of ["Nguyễn", "Việt", "phở", "Đặng"]) {
    assertEquals(checkUserName(good), good.normalize("NFC"), good);
    assertEquals(checkRoomName(`phòng ${good}`), `phòng ${good}`.normalize("NFC"), good);
  }
});
