import assert from "node:assert/strict";
import { backoffDelay } from "../../lib/client/backoff.ts";
import {
  clock,
  formatDm,
  formatMessage,
  formatPending,
  inWords,
  kickedSentence,
  localizeTimes,
  sanitize,
  shutdownSentence,
} from "../../lib/client/format.ts";
import { describeRefusal } from "../../lib/client/messages.ts";
import { useClientLanguage } from "../../lib/client/i18n.ts";
import { matchLanguage, NEUTRAL_CHOICE } from "../../lib/i18n/languages.ts";
import { nameColour, Style } from "../../lib/client/style.ts";
import { textWidth } from "../../lib/client/text_width.ts";

const plain = new Style(false);
const ts = new Date(2026, 0, 2, 9, 5).toISOString();

Deno.test("format: a room message reads HH:MM user: text", () => {
  const line = formatMessage({ msgid: "1", room: "r", user: "bob", text: "hi", ts }, "ann", plain);
  assert.equal(line, "09:05 bob: hi");
  assert.equal(clock("not a time"), "--:--");
});

Deno.test("format: own messages are marked and names keep one colour", () => {
  const colour = new Style(true);
  const own = formatMessage({ msgid: "1", room: "r", user: "Ann", text: "x", ts }, "ann", colour);
  assert.ok(own.includes("\x1b[7m"), "own name in reverse video");
  const other = formatMessage({ msgid: "2", room: "r", user: "bob", text: "x", ts }, "ann", colour);
  assert.ok(!other.includes("\x1b[7m"));
  assert.ok(other.includes(`\x1b[${nameColour("bob")}m`));
  assert.equal(nameColour("Bob"), nameColour("bob"));
});

Deno.test("format: direct messages say who wrote to whom", () => {
  const dm = { msgid: "1", to: "ann", user: "bob", text: "psst", ts };
  assert.equal(formatDm(dm, "ann", plain), "09:05 [dm] bob → you: psst");
  assert.equal(
    formatDm({ ...dm, user: "ann", to: "bob" }, "ann", plain),
    "09:05 [dm] you → bob: psst",
  );
});

Deno.test("format: direct messages are [mp] (message privé) in French", () => {
  const dm = { msgid: "1", to: "ann", user: "bob", text: "psst", ts };
  useClientLanguage(matchLanguage("fr")!);
  try {
    assert.equal(formatDm(dm, "ann", plain), "09:05 [mp] bob → vous: psst");
    assert.equal(
      formatDm({ ...dm, user: "ann", to: "bob" }, "ann", plain),
      "09:05 [mp] vous → bob: psst",
    );
  } finally {
    useClientLanguage(NEUTRAL_CHOICE);
  }
  assert.equal(formatDm(dm, "ann", plain), "09:05 [dm] bob → you: psst");
});

Deno.test("format: a message waiting offline looks as it will once sent: a dm names its recipient, /me is an action", () => {
  const waiting = "(not sent yet: offline; it is sent when the connection is back)";
  assert.equal(formatPending("say", "general", "hi", plain), `⧗ general: hi ${waiting}`);
  assert.equal(formatPending("dm", "Théo", "hi", plain), `⧗ [dm] you → Théo: hi ${waiting}`);
  assert.equal(
    formatPending("action", "general", "waits", plain),
    `⧗ general: * you waits ${waiting}`,
  );
  useClientLanguage(matchLanguage("fr")!);
  try {
    const offline = "(pas encore envoyé : hors ligne ; il partira au retour de la connexion)";
    assert.equal(
      formatPending("dm", "Théo", "texte", plain),
      `⧗ [mp] vous → Théo: texte ${offline}`,
    );
    assert.equal(
      formatPending("action", "Général", "attend", plain),
      `⧗ Général: * vous attend ${offline}`,
    );
  } finally {
    useClientLanguage(NEUTRAL_CHOICE);
  }
  // Bad input: a name or text with controls stays text.
  assert.equal(
    formatPending("dm", "x\x1b[2J", "a\nb", plain),
    `⧗ [dm] you → x␛[2J: a\n   b ${waiting}`,
  );
});

Deno.test("format: bad input: control characters in a message cannot drive the terminal", () => {
  // Shown as visible control pictures (␛, ␇), never sent to the terminal as controls.
  assert.equal(sanitize("a\x1b[2Jb\x07"), "a\u241B[2Jb\u2407");
  assert.equal(sanitize("\x1b]0;title\x07"), "␛]0;title␇");
  assert.equal(sanitize("del\x7f c1\x9b"), "del\u2421 c1\uFFFD");
  assert.equal(sanitize("one\ntwo", "  "), "one\n  two");
  assert.equal(sanitize("\u202eevil\u2028"), "\uFFFDevil\uFFFD");
});

Deno.test("format: bad input characters measured 0 wide but drawn wider cannot shift the line", () => {
  // A message spoofing the member list: Hangul fillers (0 columns by the width tables,
  // 2 in tmux) then a fake entry; soft hyphens (0, drawn 1 wide by some terminals).
  const spoof = "ok" + "\u3164".repeat(33) + "│admin (op)";
  const shown = sanitize(spoof);
  assert.equal(shown, "ok" + "\uFFFD".repeat(33) + "│admin (op)");
  assert.equal(textWidth(shown), 2 + 33 + 11, "every filler takes the column it is measured at");
  assert.equal(sanitize("co\u00adop\u00ad"), "coop", "soft hyphens are dropped");
  for (const filler of ["\u115f", "\u1160", "\uffa0"]) assert.equal(sanitize(filler), "\uFFFD");
});

Deno.test("format: ISO times in server notices show in local time; shutdown and delays read well", () => {
  const now = new Date(2026, 10, 30, 12, 0);
  const until = new Date(2026, 10, 30, 12, 55).toISOString();
  assert.equal(
    localizeTimes(`You are muted until ${until}: spam`, now),
    "You are muted until 12:55: spam",
  );
  const tomorrow = new Date(2026, 11, 1, 9, 5).toISOString();
  assert.equal(localizeTimes(`until ${tomorrow}.`, now), "until 2026-12-01 09:05.");
  assert.equal(
    shutdownSentence("The server is shutting down.", 0),
    "The server is shutting down now. The client will reconnect when it is back.",
  );
  assert.equal(
    shutdownSentence("Maintenance", 90),
    "The server shuts down in 1 minute 30 seconds: Maintenance. The client will reconnect when it is back.",
  );
  assert.equal(inWords(1), "1 second");
  assert.equal(inWords(120), "2 minutes");
});

Deno.test("format: kicked sentence names the end time and reason", () => {
  const until = new Date(2026, 0, 2, 10, 30);
  assert.equal(
    kickedSentence(until.toISOString(), "spam", new Date(2026, 0, 2, 10, 0)),
    "You were kicked by a moderator until 10:30; you can log in again after that. Reason: spam.",
  );
  // A sanction's end is rounded up to the minute: at 10:30 a mute to 10:30:55 has not ended.
  const late = new Date(2026, 0, 2, 10, 30, 55);
  assert.match(
    kickedSentence(late.toISOString(), "", new Date(2026, 0, 2, 10, 0)),
    /until 10:31;/,
  );
  assert.match(
    describeRefusal({ code: "muted", message: "x", until: late.toISOString() }),
    /10:31/,
  );
  assert.match(describeRefusal({ code: "user_taken", message: "x" }), /taken/);
  assert.match(describeRefusal({ code: "weak_password", message: "x" }), /at least 8/);
  assert.equal(
    describeRefusal({ code: "bad_credentials", message: "x" }),
    "Wrong user name or password.",
  );
});

Deno.test("format: text_too_long is said in the client's language with the server's limit; bad input a sentence without a number", () => {
  const refusal = { code: "text_too_long", message: "Messages are at most 4000 characters." };
  assert.equal(
    describeRefusal(refusal),
    "The message is too long: messages are at most 4,000 characters.",
  );
  useClientLanguage(matchLanguage("fr")!);
  try {
    const french = describeRefusal(refusal);
    assert.match(french, /^Le message est trop long : 4\s000 caractères au plus\.$/u);
    assert.doesNotMatch(french, /Messages are/);
    assert.equal(
      describeRefusal({ code: "text_too_long", message: "Too long." }),
      "Le message est trop long.",
    );
  } finally {
    useClientLanguage(NEUTRAL_CHOICE);
  }
});

Deno.test("format: text_too_long says the limit the server announced in welcome, whatever its sentence", () => {
  const refusal = { code: "text_too_long", message: "Messages are at most 4000 characters." };
  assert.equal(
    describeRefusal(refusal, { maxText: 500 }),
    "The message is too long: messages are at most 500 characters.",
  );
  assert.equal(
    describeRefusal({ code: "text_too_long", message: "Too long." }, { maxText: 1200 }),
    "The message is too long: messages are at most 1,200 characters.",
  );
  // A sentence in another language, whose number the client cannot read right.
  const french = { code: "text_too_long", message: "Les messages font au plus 4 000 caractères." };
  assert.equal(
    describeRefusal(french, { maxText: 4000 }),
    "The message is too long: messages are at most 4,000 characters.",
  );
  // Bad input: no announced limit, or one that makes no sense: the sentence, else plain.
  for (const maxText of [null, undefined, 0, -3, 2.5, Number.NaN]) {
    assert.equal(
      describeRefusal(refusal, { maxText }),
      "The message is too long: messages are at most 4,000 characters.",
    );
    assert.equal(
      describeRefusal({ code: "text_too_long", message: "Too long." }, { maxText }),
      "The message is too long.",
    );
  }
});

Deno.test("backoff: grows, stays capped, and jitters within the upper half", () => {
  const low = () => 0;
  const high = () => 0.999999;
  assert.equal(backoffDelay(0, { baseMs: 100, random: low }), 50);
  assert.equal(backoffDelay(3, { baseMs: 100, random: low }), 400);
  assert.equal(backoffDelay(40, { baseMs: 100, maxMs: 5000, random: low }), 2500);
  assert.equal(backoffDelay(40, { baseMs: 100, maxMs: 5000, random: high }), 5000);
});
