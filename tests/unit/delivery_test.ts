/**
 * The second half of the message path (lib/server/chat/delivery.ts): the sender's answer
 * comes before any fan-out, a broadcast is encoded once, a dm reaches both parties' sessions
 * (a dm to oneself once), the admin feed only when someone listens, and the writer's
 * outcomes (stored, duplicate, failed) each answer the sender exactly once.
 */
import { deepStrictEqual as equal, ok, strictEqual as same } from "node:assert/strict";
import {
  LocalDelivery,
  type PendingChange,
  type PendingMessage,
  type SenderReply,
  writerOutcomes,
} from "../../lib/server/chat/delivery.ts";
import { RoomActivity } from "../../lib/server/chat/room_activity.ts";
import { RoomDirectory } from "../../lib/server/chat/rooms.ts";
import { SessionRegistry } from "../../lib/server/chat/session_registry.ts";
import { silentLogger } from "../../lib/common/log.ts";
import type { Account, Session } from "../../lib/server/net/session.ts";
import type { StoredMessage } from "../../lib/store/store.ts";

type Log = [string, ...unknown[]][];

/** A session that records what it is sent into `log` (only what delivery uses). */
function fakeSession(log: Log, id: number, account: Account): Session {
  return {
    id,
    host: "127.0.0.1",
    account: null,
    lastUser: null,
    sendEvent: (bytes: Uint8Array) => log.push(["event", id, bytes]),
    endWrite: () => log.push(["endWrite", id]),
    _account: account,
  } as unknown as Session;
}

function fakeReply(log: Log, session: Session): SenderReply {
  return {
    session,
    ok: (fields) => log.push(["ok", session.id, fields]),
    fail: (code, message) => log.push(["fail", session.id, code, message]),
  };
}

function setup() {
  const log: Log = [];
  const sessions = new SessionRegistry();
  const rooms = new RoomDirectory();
  const general = rooms.add({
    id: 7,
    name: "general",
    nameKey: "general",
    topic: null,
    createdAt: 0,
  });
  const ann: Account = { id: 1, name: "ann", key: "ann" };
  const bob: Account = { id: 2, name: "bob", key: "bob" };
  const open = (id: number, account: Account) => {
    const session = fakeSession(log, id, account);
    sessions.add(session);
    sessions.login(session, account);
    rooms.join(session, general);
    return session;
  };
  const ann1 = open(1, ann);
  const ann2 = open(2, ann);
  const bob1 = open(3, bob);
  const counters = { messagesAccepted: 0, messagesStored: 0, storeFailures: 0 };
  const feed = {
    listening: false,
    events: [] as unknown[],
    emit(e: unknown) {
      this.events.push(e);
    },
  };
  const delivery = new LocalDelivery({
    sessions,
    roomActivity: new RoomActivity(),
    counters,
    feed,
    log: silentLogger,
    lastSeq: 10,
  });
  return { log, general, ann, bob, ann1, ann2, bob1, counters, feed, delivery };
}

function stored(seq: number, over: Partial<StoredMessage>): StoredMessage {
  return {
    seq,
    roomId: 7,
    room: "general",
    senderId: 1,
    user: "ann",
    recipientId: null,
    to: null,
    text: "hi",
    ts: Date.UTC(2024, 0, 1),
    ...over,
  };
}

const text = (bytes: unknown) => JSON.parse(new TextDecoder().decode(bytes as Uint8Array));

Deno.test("delivery: a room message answers the sender before any member gets it, encoded once", () => {
  const s = setup();
  const pending: PendingMessage = {
    reply: fakeReply(s.log, s.ann1),
    sender: s.ann,
    room: s.general,
    recipient: null,
  };
  s.delivery.delivered(stored(11, {}), pending);
  same(s.log[0]![0], "ok", "the ack comes first");
  equal(s.log[0]![2], { msgid: "0000000000000011", ts: "2024-01-01T00:00:00.000Z" });
  const events = s.log.filter((e) => e[0] === "event");
  equal(events.map((e) => e[1]), [1, 2, 3], "every member's session, the sender's included");
  ok(events.every((e) => e[2] === events[0]![2]), "one encoding shared by all");
  equal(text(events[0]![2]), {
    type: "message",
    msgid: "0000000000000011",
    room: "general",
    user: "ann",
    text: "hi",
    ts: "2024-01-01T00:00:00.000Z",
  });
  same(s.delivery.lastSeq, 11);
  equal(s.counters, { messagesAccepted: 1, messagesStored: 1, storeFailures: 0 });
  equal(s.feed.events, [], "nobody listens: no feed event");
});

Deno.test("delivery: a dm reaches both parties' sessions; a dm to oneself each session once", () => {
  const s = setup();
  s.feed.listening = true;
  const toBob: PendingMessage = {
    reply: fakeReply(s.log, s.ann1),
    sender: s.ann,
    room: null,
    recipient: s.bob,
  };
  s.delivery.delivered(stored(12, { roomId: null, room: null, recipientId: 2, to: "bob" }), toBob);
  same(s.log[0]![0], "ok");
  equal(s.log.filter((e) => e[0] === "event").map((e) => e[1]), [1, 2, 3]);
  equal(text(s.log[1]![2]).type, "dm");
  equal(text(s.log[1]![2]).to, "bob");
  same(s.feed.events.length, 1, "the admin feed gets it when someone listens");
  s.log.length = 0;
  const toSelf: PendingMessage = { ...toBob, recipient: s.ann };
  s.delivery.delivered(stored(13, { roomId: null, room: null, recipientId: 1, to: "ann" }), toSelf);
  equal(s.log.filter((e) => e[0] === "event").map((e) => e[1]), [1, 2]);
});

Deno.test("delivery: the writer's outcomes answer exactly once (stored, duplicate, failed)", () => {
  const s = setup();
  const outcomes = writerOutcomes(s.delivery);
  const pending: PendingMessage = {
    reply: fakeReply(s.log, s.ann1),
    sender: s.ann,
    room: s.general,
    recipient: null,
  };
  const message = {
    seq: 14,
    ts: Date.UTC(2024, 0, 1),
    roomId: 7,
    senderId: 1,
    recipientId: null,
    text: "hi",
    cid: "c1",
  };
  outcomes.stored(pending, message, { status: "stored" });
  equal(s.log.slice(0, 2).map((e) => e[0]), ["endWrite", "ok"]);
  same(s.log.filter((e) => e[0] === "ok" || e[0] === "fail").length, 1);
  s.log.length = 0;
  outcomes.stored(pending, { ...message, seq: 15 }, {
    status: "duplicate",
    seq: 14,
    ts: message.ts,
  });
  equal(s.log.map((e) => e[0]), ["endWrite", "ok"], "a resend is answered, not fanned out");
  equal(s.log[1]![2], { msgid: "0000000000000014", ts: "2024-01-01T00:00:00.000Z" });
  s.log.length = 0;
  outcomes.failed(pending, { ...message, seq: 16 }, new Error("disk full"));
  equal(s.log.map((e) => e[0]), ["endWrite", "fail"], "a failure sends nothing to anyone");
  same(s.log[1]![2], "unavailable");
  same(s.counters.storeFailures, 1);
  same(s.delivery.lastSeq, 14, "only delivered messages move the join bound");
});

Deno.test("delivery: edited and deleted answer first, then reach the original's audience", () => {
  const s = setup();
  const outcomes = writerOutcomes(s.delivery);
  const target = stored(20, { kind: "action" });
  const pending: PendingChange = {
    reply: fakeReply(s.log, s.ann1),
    target,
    room: s.general,
    by: s.ann,
  };
  outcomes.changed(
    pending,
    { op: "edit", seq: 20, text: "new", at: Date.UTC(2024, 0, 2) },
    "stored",
  );
  equal(s.log.slice(0, 2).map((e) => e[0]), ["endWrite", "ok"], "the ack before any event");
  equal(s.log[1]![2], { msgid: "0000000000000020", edited: "2024-01-02T00:00:00.000Z" });
  const edits = s.log.filter((e) => e[0] === "event");
  equal(edits.map((e) => e[1]), [1, 2, 3]);
  equal(text(edits[0]![2]), {
    type: "edited",
    msgid: "0000000000000020",
    room: "general",
    user: "ann",
    text: "new",
    ts: "2024-01-01T00:00:00.000Z",
    kind: "action",
    edited: "2024-01-02T00:00:00.000Z",
  });
  same(s.delivery.lastSeq, 10, "a change does not move the join bound");
  s.log.length = 0;
  const dm: PendingChange = {
    reply: fakeReply(s.log, s.bob1),
    target: stored(21, { roomId: null, room: null, recipientId: 2, to: "bob" }),
    room: null,
    by: s.ann,
  };
  outcomes.changed(dm, { op: "delete", seq: 21, audit: null }, "stored");
  equal(s.log[1]![2], { msgid: "0000000000000021" });
  const deletes = s.log.filter((e) => e[0] === "event");
  equal(deletes.map((e) => e[1]), [1, 2, 3], "both parties' sessions");
  equal(text(deletes[0]![2]), { type: "deleted", msgid: "0000000000000021", to: "bob", by: "ann" });
});

Deno.test("delivery: bad input a change whose message is gone answers no_such_message only", () => {
  const s = setup();
  const outcomes = writerOutcomes(s.delivery);
  const pending: PendingChange = {
    reply: fakeReply(s.log, s.ann1),
    target: stored(22, {}),
    room: s.general,
    by: s.ann,
  };
  outcomes.changed(pending, { op: "delete", seq: 22, audit: null }, "missing");
  equal(s.log.map((e) => e[0]), ["endWrite", "fail"]);
  same(s.log[1]![2], "no_such_message");
  s.log.length = 0;
  outcomes.failed(pending, { op: "edit", seq: 22, text: "x", at: 1 }, new Error("disk full"));
  equal(s.log.map((e) => e[0]), ["endWrite", "fail"]);
  same(s.log[1]![2], "unavailable");
});

/** The lines of every event a session got, in order, decoded (a buffer may hold several). */
function linesOf(log: Log, session: number): { type: string; msgid: string }[] {
  return log.filter((e) => e[0] === "event" && e[1] === session).flatMap((e) =>
    new TextDecoder().decode(e[2] as Uint8Array).split("\n").filter((l) => l !== "").map((l) =>
      JSON.parse(l)
    )
  );
}

Deno.test("delivery: in a settled batch, a run of one room's messages goes out as one buffer, in order", () => {
  const s = setup();
  const random = new RoomDirectory().add({
    id: 8,
    name: "random",
    nameKey: "random",
    topic: null,
    createdAt: 0,
  });
  // Only ann1 is in "random" (a second room: its messages must not overtake general's).
  random.sessions.add(s.ann1);
  const outcomes = writerOutcomes(s.delivery);
  const say = (seq: number, room: typeof random, from = s.ann1) =>
    outcomes.stored(
      { reply: fakeReply(s.log, from), sender: s.ann, room, recipient: null },
      { seq, roomId: room.id, senderId: 1, recipientId: null, text: `m${seq}`, cid: null, ts: 0 },
      { status: "stored" },
    );
  outcomes.batchStart!();
  say(11, s.general);
  say(12, s.general, s.bob1);
  say(13, s.general);
  same(s.log.filter((e) => e[0] === "event").length, 0, "nothing sent before the run ends");
  outcomes.stored(
    { reply: fakeReply(s.log, s.ann1), sender: s.ann, room: null, recipient: s.bob },
    { seq: 14, roomId: null, senderId: 1, recipientId: 2, text: "dm", cid: null, ts: 0 },
    { status: "stored" },
  );
  say(15, random);
  say(16, s.general);
  outcomes.batchEnd!();
  const msgids = (lines: { msgid: string }[]) => lines.map((l) => Number(l.msgid));
  equal(msgids(linesOf(s.log, 1)), [11, 12, 13, 14, 15, 16], "ann1: every event once, in order");
  equal(msgids(linesOf(s.log, 3)), [11, 12, 13, 14, 16], "bob1: general and the dm, in order");
  const bobBuffers = s.log.filter((e) => e[0] === "event" && e[1] === 3);
  same(bobBuffers.length, 3, "general 11-13 as one buffer, the dm, general 16");
  ok(
    s.log.filter((e) => e[0] === "event" && e[1] === 2)[0]![2] === bobBuffers[0]![2],
    "the run's buffer is shared by every member",
  );
  const firstEvent = s.log.findIndex((e) => e[0] === "event");
  equal(
    s.log.slice(0, firstEvent).filter((e) => e[0] === "ok").length,
    4,
    "11-13 and the dm are answered before the run (and the dm) go out",
  );
});
