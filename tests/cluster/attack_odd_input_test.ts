/**
 * Attack on the log and its applier with message content that JSON, UTF-8 or MySQL's
 * utf8mb4 handle badly: lone surrogates (`\ud800`), NUL and other control characters, text
 * of 4,000 four-byte emoji (16,000 UTF-8 bytes: `maxText` at its largest in bytes), a `cid`
 * of 64 four-byte emoji (256 bytes, the `VARBINARY(256)` column's size), and two `cid`s
 * that differ only in a lone surrogate (distinct in JavaScript, the same bytes once
 * encoded), and the same `cid`s sent to two instances at the same moment. None of it may
 * stop the applier (`cluster_entry_skipped`), and every message
 * that was acknowledged must be in `history` with the text its event carried. These attacks
 * are handled today: the test documents it.
 */
import assert from "node:assert/strict";
import { clusterStep, clusterTest, type TestCluster, withCluster } from "../support/cluster.ts";
import type { Frame } from "../support/frame_client.ts";
import {
  anotherSession,
  closeAll,
  freshRoom,
  fullHistory,
  loggedIn,
  repliesTo,
  uniqueName,
} from "../server/support.ts";
import { waitFor } from "../support/wait.ts";
import { logLines, logPositions } from "./attack_support.ts";

/** A raw frame line with `text` and `cid` written as the JSON escapes given. */
function rawSay(id: string, room: string, textJson: string, cidJson?: string): string {
  const cid = cidJson === undefined ? "" : `,"cid":${cidJson}`;
  return `{"type":"say","id":"${id}","room":${JSON.stringify(room)},"text":${textJson}${cid}}\n`;
}

async function step(cluster: TestCluster, t: Deno.TestContext): Promise<void> {
  const [n1, n2, n3] = cluster.instances.map((i) => i.port) as [number, number, number];
  const sender = await loggedIn(n1);
  const elsewhere = await anotherSession(n2, sender.user);
  const reader = await loggedIn(n3);
  try {
    const room = await freshRoom(sender, "odd");
    await elsewhere.ok({ type: "join", room });
    await reader.ok({ type: "join", room });
    const acked: Frame[] = [];
    const reply = async (raw: string, id: string) => {
      await sender.writeRaw(raw);
      return await sender.next((f) => f.id === id);
    };

    await clusterStep(t, cluster, "lone surrogate \\ud800 in text or cid: bad_frame", async () => {
      const a = await reply(rawSay("s1", room, `"x\\ud800y"`), "s1");
      assert.equal(a.code, "bad_frame", JSON.stringify(a));
      const b = await reply(rawSay("s2", room, `"fine"`, `"\\udbff"`), "s2");
      assert.equal(b.code, "bad_frame", JSON.stringify(b));
    });

    await clusterStep(
      t,
      cluster,
      "NUL, controls, U+2028 and U+FFFF in text: stored as sent",
      async () => {
        const text = "a\u0000b\u0001\u001f\u007f\u2028\u2029\uffff\ufeff end";
        const ok = await sender.ok({ type: "say", room, text });
        acked.push({ ...ok, text });
      },
    );

    await clusterStep(
      t,
      cluster,
      "4,000 four-byte emoji (16,000 UTF-8 bytes): accepted",
      async () => {
        const text = "\u{1F600}".repeat(4_000);
        const ok = await sender.ok({ type: "say", room, text });
        acked.push({ ...ok, text });
        const tooLong = await sender.request({ type: "say", room, text: text + "\u{1F600}" });
        assert.equal(tooLong.code, "text_too_long");
      },
    );

    await clusterStep(
      t,
      cluster,
      "cid of 64 four-byte emoji, resent to n2: one message",
      async () => {
        const cid = "\u{1F4A9}".repeat(64);
        const text = uniqueName("emoji-cid");
        const first = await sender.ok({ type: "say", room, text, cid });
        const again = await elsewhere.ok({ type: "say", room, text, cid });
        assert.equal(again.msgid, first.msgid);
        acked.push({ ...first, text });
        const long = await sender.request({ type: "say", room, text, cid: cid + "x" });
        assert.equal(long.code, "bad_frame", "a cid of 65 characters");
      },
    );

    await clusterStep(
      t,
      cluster,
      'cids Abc, abc and "abc " (case, trailing space): three messages',
      async () => {
        for (const cid of ["Abc", "abc", "abc "]) {
          const text = uniqueName("cid");
          const ok = await sender.ok({ type: "say", room, text, cid });
          acked.push({ ...ok, text });
        }
        assert.equal(new Set(acked.slice(-3).map((a) => a.msgid)).size, 3);
      },
    );

    await clusterStep(
      t,
      cluster,
      "the same 20 cids sent to n1 and n2 at once: 20 messages",
      async () => {
        const cids = Array.from({ length: 20 }, () => uniqueName("twin"));
        const lines = (tag: string) =>
          cids.map((cid, i) =>
            JSON.stringify({ type: "say", id: `${tag}${i}`, room, text: cid, cid }) + "\n"
          ).join("");
        await Promise.all([sender.writeRaw(lines("a")), elsewhere.writeRaw(lines("b"))]);
        const a = await repliesTo(sender, cids.map((_, i) => `a${i}`));
        const b = await repliesTo(elsewhere, cids.map((_, i) => `b${i}`));
        for (const [i, cid] of cids.entries()) {
          assert.equal(a[i]!.type, "ok", JSON.stringify(a[i]));
          assert.equal(b[i]!.msgid, a[i]!.msgid, `${cid}: both sends answer one msgid`);
          acked.push({ ...a[i]!, text: cid });
        }
      },
    );

    await clusterStep(
      t,
      cluster,
      "history holds each acked message with its event's text",
      async () => {
        await waitFor(
          "the reader to get every acked message",
          () => acked.every((a) => reader.received.some((f) => f.msgid === a.msgid)),
        );
        const history = await fullHistory(reader, { room });
        for (const a of acked) {
          const event = reader.received.find((f) => f.type === "message" && f.msgid === a.msgid);
          const stored = history.find((m) => m.msgid === a.msgid);
          assert.equal(event?.text, a.text, `event of ${a.msgid}`);
          assert.equal(stored?.text, a.text, `history of ${a.msgid}`);
          const copies = reader.received.filter((f) => f.type === "message" && f.msgid === a.msgid);
          assert.equal(copies.length, 1, `one event for ${a.msgid}`);
        }
        assert.equal(history.length, acked.length, "nothing more, nothing twice");
        const positions = await logPositions(cluster);
        assert.ok(positions.every((p) => p.applied >= p.read), JSON.stringify(positions));
        assert.deepEqual(logLines(cluster, "cluster_entry_skipped"), []);
        assert.deepEqual(logLines(cluster, "cluster_apply_failed"), []);
      },
    );
  } finally {
    closeAll(sender, elsewhere, reader);
  }
}

Deno.test(
  clusterTest("cluster: odd message content (lone surrogates, NUL, 16,000-byte text, emoji cid)"),
  async (t) => {
    await withCluster({ instances: 3, nats: "single" }, (cluster) => step(cluster, t));
  },
);
