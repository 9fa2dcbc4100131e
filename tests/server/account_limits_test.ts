/**
 * Limits that hold per account, whatever the number of its connections, over real TCP
 * (found by an attack with one account and one address): the bytes of message text an
 * account sends to others, the topic and report rates under concurrent requests, a muted
 * user's topics, repeated `mark_read`s, and the characters a topic may hold.
 */
import assert from "node:assert/strict";
import {
  ACCOUNT_BURST_BYTES,
  ACCOUNT_BYTES_PER_SECOND,
} from "../../lib/server/limits/account_bytes.ts";
import { MARKED_READ_KEPT } from "../../lib/server/requests/markers.ts";
import { REPORTS_PER_WINDOW } from "../../lib/server/requests/reports.ts";
import type { Frame, FrameClient } from "../support/frame_client.ts";
import { startServer } from "../support/server_process.ts";
import {
  admin,
  ADMIN_TOKEN,
  anotherSession,
  assertError,
  closeAll,
  freshRoom,
  loggedIn,
  uniqueName,
} from "./support.ts";

const ENV = { FASTCHAT_ADMIN_TOKEN: ADMIN_TOKEN };
/** The per-account limits are anti-abuse rates: like flood escalation, on with --msg-rate. */
const RATES_ON = ["--msg-rate", "5:10"];
/** The topic changes an account may make per minute (`TOPIC_CHANGES_PER_WINDOW`). */
const TOPICS_PER_MINUTE = 10;

/**
 * Sends `frames` on `session` at once (each with an id of its own) and returns their
 * replies, which may come in any order (refusals at once, acceptances after their commit):
 * each wait takes the first reply still missing, so none is skipped.
 */
async function pipelined(
  session: FrameClient,
  frames: Record<string, unknown>[],
): Promise<Frame[]> {
  const ids: string[] = frames.map(() => crypto.randomUUID());
  for (const [i, frame] of frames.entries()) await session.send({ ...frame, id: ids[i] });
  const waiting = new Set<string>(ids);
  const replies: Frame[] = [];
  while (waiting.size > 0) {
    const reply = await session.next((f) => waiting.has(f.id as string), 60_000);
    waiting.delete(reply.id as string);
    replies.push(reply);
  }
  return replies;
}

/** `count` more connections of `user`'s account. */
function sessionsOf(port: number, user: string, count: number): Promise<FrameClient[]> {
  return Promise.all(Array.from({ length: count }, () => anotherSession(port, user)));
}

Deno.test("account bytes: bad input 4,000 control characters a message on 4 connections of one account are refused past the account's budget; other accounts speak", async () => {
  const server = await startServer({ env: ENV, args: RATES_ON });
  const flooder = await loggedIn(server.port);
  const reader = await loggedIn(server.port);
  const other = await loggedIn(server.port);
  const sessions = [flooder, ...await sessionsOf(server.port, flooder.user, 3)];
  try {
    const room = await freshRoom(flooder, "bytes");
    await reader.ok({ type: "join", room });
    await other.ok({ type: "join", room });
    for (const session of sessions.slice(1)) await session.ok({ type: "join", room });
    // Each message travels as 24,000 bytes (`\u0001` is a 6-byte escape); 4 connections at
    // their burst of 10 (each alone within the account's budget) offer 40 of them (960 KB)
    // at once.
    const text = "\u0001".repeat(4000);
    const started = Date.now();
    // Answers may take a while on a loaded machine in cluster mode (each message goes
    // through the log): a generous wait, and a bound that counts the time taken.
    const replies = (await Promise.all(
      sessions.map((session) =>
        pipelined(session, Array.from({ length: 10 }, () => ({ type: "say", room, text })))
      ),
    )).flat();
    const seconds = (Date.now() - started) / 1000;
    const accepted = replies.filter((r) => r.type === "ok").length;
    const refused = replies.filter((r) => r.type === "error");
    for (const reply of refused) {
      assertError(reply, "rate_limited");
      assert.ok((reply.retryAfterMs as number) > 0, JSON.stringify(reply));
    }
    // The burst, and what refilled while the requests were answered.
    assert.ok(
      accepted * 24_000 <= ACCOUNT_BURST_BYTES + (seconds + 1) * ACCOUNT_BYTES_PER_SECOND,
      `${accepted} accepted in ${seconds} s`,
    );
    assert.ok(accepted >= Math.floor(ACCOUNT_BURST_BYTES / 24_000), `${accepted} accepted`);
    assert.ok(refused.length > 0);
    // Another account is not held back, and the reader got exactly the accepted messages.
    await other.send({ type: "say", id: "calm", room, text: "still here" });
    assert.equal((await other.next((f) => f.id === "calm", 60_000)).type, "ok");
    await reader.next((f) => f.type === "message" && f.text === "still here", 60_000);
    assert.equal(
      reader.events("message").filter((f) => f.text === text).length,
      accepted,
    );
  } finally {
    closeAll(...sessions, reader, other);
    await server.cleanup();
  }
});

Deno.test("account bytes: with --msg-rate off (the conformance suite's setting) there is no byte budget", async () => {
  const server = await startServer({ env: ENV, args: ["--msg-rate", "off"] });
  const sender = await loggedIn(server.port);
  try {
    const room = await freshRoom(sender, "free");
    const text = "\u0001".repeat(4000);
    for (let i = 0; i < 30; i++) await sender.ok({ type: "say", room, text });
  } finally {
    closeAll(sender);
    await server.cleanup();
  }
});

Deno.test("topic: bad input 30 concurrent changes on 15 connections of one account: at most the minute's 10 are stored", async () => {
  const server = await startServer({ env: ENV, args: RATES_ON });
  const creator = await loggedIn(server.port);
  const member = await loggedIn(server.port);
  const sessions = [creator, ...await sessionsOf(server.port, creator.user, 14)];
  try {
    const room = await freshRoom(creator, "race");
    await member.ok({ type: "join", room });
    const replies = (await Promise.all(
      sessions.map((session, i) =>
        pipelined(session, [0, 1].map((k) => ({ type: "topic", room, topic: `topic ${i}.${k}` })))
      ),
    )).flat();
    const accepted = replies.filter((r) => r.type === "ok").length;
    for (
      const reply of replies.filter((r) => r.type === "error")
    ) {
      assertError(reply, "rate_limited");
    }
    assert.equal(accepted, TOPICS_PER_MINUTE);
    await member.ok({ type: "ping" });
    assert.equal(member.events("topic").length, TOPICS_PER_MINUTE);
  } finally {
    closeAll(...sessions, member);
    await server.cleanup();
  }
});

Deno.test("report: bad input 30 concurrent reports on 15 connections of one account: at most the window's 10 are filed", async () => {
  const server = await startServer({ env: ENV, args: RATES_ON });
  const author = await loggedIn(server.port);
  const reporter = await loggedIn(server.port);
  const sessions = [reporter, ...await sessionsOf(server.port, reporter.user, 14)];
  try {
    const room = await freshRoom(author, "reported");
    const msgids: string[] = [];
    // Spaced out to stay under the author's own message rate (5 a second).
    for (let i = 0; i < 30; i++) {
      msgids.push((await author.ok({ type: "say", room, text: `message ${i}` })).msgid as string);
      if (i % 5 === 4) await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    for (const session of sessions) await session.ok({ type: "join", room });
    const replies = (await Promise.all(
      sessions.map((session, i) =>
        pipelined(
          session,
          msgids.filter((_, m) => m % sessions.length === i).map((msgid) => ({
            type: "report",
            msgid,
            reason: "spam",
          })),
        )
      ),
    )).flat();
    const accepted = replies.filter((r) => r.type === "ok").length;
    for (const reply of replies.filter((r) => r.type === "error")) {
      assertError(reply, "rate_limited");
    }
    assert.equal(accepted, REPORTS_PER_WINDOW);
    const queue = await admin(server.adminPort, "GET", "/api/reports");
    assert.equal(queue.status, 200);
    assert.equal((queue.body as { reports: unknown[] }).reports.length, REPORTS_PER_WINDOW);
  } finally {
    closeAll(...sessions, author);
    await server.cleanup();
  }
});

Deno.test("topic: bad input a muted room creator's topic gets not_allowed with until; nothing is stored or sent", async () => {
  const server = await startServer({ env: ENV, args: ["--msg-rate", "off"] });
  const creator = await loggedIn(server.port);
  const member = await loggedIn(server.port);
  try {
    const room = await freshRoom(creator, "muted");
    await member.ok({ type: "join", room });
    await creator.ok({ type: "topic", room, topic: "before" });
    const mute = await admin(server.adminPort, "POST", "/api/mute", {
      user: creator.user,
      duration: "1h",
    });
    assert.equal(mute.status, 200, JSON.stringify(mute.body));
    const refused = await creator.request({ type: "topic", room, topic: "SHOUTING" });
    assertError(refused, "not_allowed");
    assert.equal(typeof refused.until, "string");
    assert.match(refused.message as string, /muted/);
    await member.ok({ type: "ping" });
    assert.deepEqual(member.events("topic").map((f) => f.topic), ["before"]);
    assert.equal((await member.ok({ type: "join", room })).topic, "before");
  } finally {
    closeAll(creator, member);
    await server.cleanup();
  }
});

Deno.test("topic: bad input line separators and bidi overrides or isolates are invalid_topic; joiners and direction marks are kept", async () => {
  const server = await startServer({ env: ENV, args: ["--msg-rate", "off"] });
  const creator = await loggedIn(server.port);
  try {
    const room = await freshRoom(creator, "bidi");
    for (const bad of ["evil\u202Etxt.exe", "one\u2028two", "a\u2066b\u2069", "\u202Aembedded"]) {
      assertError(await creator.request({ type: "topic", room, topic: bad }), "invalid_topic");
    }
    assertError(
      await creator.request({ type: "create_room", room: uniqueName("bidi"), topic: "x\u202Ey" }),
      "invalid_topic",
    );
    assert.equal((await creator.ok({ type: "join", room })).topic, null, "nothing stored");
    const kept = "Équipe 👩‍💻 \u200Fשלום\u200F";
    assert.equal((await creator.ok({ type: "topic", room, topic: kept })).topic, kept);
  } finally {
    closeAll(creator);
    await server.cleanup();
  }
});

Deno.test("mark_read: bad input the same marker asked 200 times tells the account's other sessions once", async () => {
  const server = await startServer({ env: ENV, args: ["--msg-rate", "off"] });
  const reader = await loggedIn(server.port);
  const device = await anotherSession(server.port, reader.user);
  try {
    const room = await freshRoom(reader, "marks");
    const first = (await reader.ok({ type: "say", room, text: "one" })).msgid as string;
    const second = (await reader.ok({ type: "say", room, text: "two" })).msgid as string;
    await Promise.all(
      Array.from({ length: 200 }, () => reader.ok({ type: "mark_read", room, msgid: second })),
    );
    // An older marker changes nothing and tells nobody either.
    await reader.ok({ type: "mark_read", room, msgid: first });
    await device.ok({ type: "ping" });
    assert.deepEqual(device.events("read").map((f) => f.msgid), [second]);
  } finally {
    closeAll(reader, device);
    await server.cleanup();
  }
});

Deno.test("mark_read: a connection with more conversations than it remembers forgets the least recently marked one, not all of them", async () => {
  const server = await startServer({ env: ENV, args: ["--msg-rate", "off"] });
  const reader = await loggedIn(server.port);
  const device = await anotherSession(server.port, reader.user);
  try {
    const marks: { room: string; msgid: string }[] = [];
    for (let i = 0; i <= MARKED_READ_KEPT; i++) {
      const room = await freshRoom(reader, `lru${i}`);
      marks.push({
        room,
        msgid: (await reader.ok({ type: "say", room, text: "hi" })).msgid as string,
      });
    }
    const mark = (i: number) => reader.ok({ type: "mark_read", ...marks[i] });
    for (let i = 0; i < MARKED_READ_KEPT; i++) await mark(i);
    await mark(0); // Known: no event, and now the most recently marked.
    await mark(MARKED_READ_KEPT); // One too many: forgets room 1, the least recent.
    await mark(0); // Still known.
    await device.ok({ type: "ping" });
    assert.equal(device.events("read").length, MARKED_READ_KEPT + 1);
    await mark(1); // Forgotten: told again (bounded memory has this cost).
    await device.ok({ type: "ping" });
    assert.equal(device.events("read").length, MARKED_READ_KEPT + 2);
  } finally {
    closeAll(reader, device);
    await server.cleanup();
  }
});
