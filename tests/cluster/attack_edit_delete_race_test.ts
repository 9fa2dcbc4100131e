/**
 * Attack on edits and deletions in a cluster: an `edit` that reaches the log after a
 * `delete` of the same message. The contract: "a deleted message cannot be edited
 * (`no_such_message`)", and the events a client sees are what `history` reads back.
 *
 * An instance checks an edit against the database (`visibleMessage`), but the database
 * learns of a deletion only when the applier writes it, after the deletion is in the log.
 * An edit checked in between is appended after the deletion: the log's reader answers the
 * editor `ok` and sends every member an `edited` event carrying the new text after the
 * `deleted` one (`cluster_log.ts`, `#read`: it fans out edits without looking at what came
 * before), while the applier's `UPDATE … WHERE deleted = 0` changes nothing. Live clients
 * then show text in a message that is deleted for everyone else — e.g. a user can put text
 * back into a message a moderator just deleted. One process (the group-commit writer) gets
 * `missing` from the store and answers `no_such_message` instead.
 */
import assert from "node:assert/strict";
import type { Frame, FrameClient } from "../support/frame_client.ts";
import { clusterStep, clusterTest, type TestCluster, withCluster } from "../support/cluster.ts";
import {
  anotherSession,
  closeAll,
  freshRoom,
  fullHistory,
  loggedIn,
  repliesTo,
} from "../server/support.ts";
import { waitFor } from "../support/wait.ts";

/** The `edited`/`deleted` events of `msgid`, in the order `client` got them. */
function changesOf(client: FrameClient, msgid: string): Frame[] {
  return client.received.filter((f) =>
    (f.type === "edited" || f.type === "deleted") && f.msgid === msgid
  );
}

/** A description of every `edited` that `client` got after a `deleted` of the same message. */
function editsAfterDeletion(client: FrameClient, msgids: readonly string[]): string[] {
  const found: string[] = [];
  for (const msgid of msgids) {
    const events = changesOf(client, msgid);
    const deletedAt = events.findIndex((f) => f.type === "deleted");
    if (deletedAt === -1) continue;
    for (const later of events.slice(deletedAt + 1)) {
      if (later.type === "edited") found.push(`${msgid}: edited to ${JSON.stringify(later.text)}`);
    }
  }
  return found;
}

async function pipelinedStep(cluster: TestCluster): Promise<void> {
  const [n1, n2] = cluster.instances.map((i) => i.port) as [number, number];
  const author = await loggedIn(n1);
  const watcher = await loggedIn(n2);
  try {
    const room = await freshRoom(author, "pipe");
    await watcher.ok({ type: "join", room });
    const said = await author.ok({ type: "say", room, text: "regrettable" });
    const msgid = said.msgid as string;
    await watcher.next((f) => f.type === "message" && f.msgid === msgid);
    // One write: the deletion, then an edit of the same message.
    await author.writeRaw(
      JSON.stringify({ type: "delete", id: "del", msgid }) + "\n" +
        JSON.stringify({ type: "edit", id: "ed", msgid, text: "back from the dead" }) + "\n",
    );
    const [deleted, edited] = await repliesTo(author, ["del", "ed"]);
    assert.equal(deleted!.type, "ok", JSON.stringify(deleted));
    await watcher.next((f) => f.type === "deleted" && f.msgid === msgid);
    // A marker after both: every event of the two is in by then.
    const marker = await author.ok({ type: "say", room, text: "marker" });
    await watcher.next((f) => f.type === "message" && f.msgid === marker.msgid);
    const history = await fullHistory(watcher, { room });
    const stored = history.find((m) => m.msgid === msgid)!;
    assert.equal(stored.deleted, true, "the message is deleted in history");
    assert.deepEqual(
      editsAfterDeletion(watcher, [msgid]),
      [],
      "no member is shown the deleted message edited back to text",
    );
    assert.equal(
      edited!.code,
      "no_such_message",
      `an edit accepted after the deletion of the same message: ${JSON.stringify(edited)}`,
    );
  } finally {
    closeAll(author, watcher);
  }
}

async function acrossStep(cluster: TestCluster): Promise<void> {
  const [n1, n2, n3] = cluster.instances.map((i) => i.port) as [number, number, number];
  const author = await loggedIn(n1);
  const watcher = await loggedIn(n3);
  let authorOnN2: FrameClient | null = null;
  try {
    const room = await freshRoom(author, "race");
    await watcher.ok({ type: "join", room });
    authorOnN2 = await anotherSession(n2, author.user);
    const msgids: string[] = [];
    for (let i = 0; i < 10; i++) {
      msgids.push((await author.ok({ type: "say", room, text: `t${i}` })).msgid as string);
    }
    await waitFor(
      "the watcher to have all 10",
      () => watcher.received.filter((f) => f.type === "message" && f.room === room).length >= 10,
    );
    // Each message deleted on n1 while the same author edits it on n2, at the same time.
    await Promise.all([
      author.writeRaw(
        msgids.map((m, i) => JSON.stringify({ type: "delete", id: `d${i}`, msgid: m }) + "\n")
          .join(""),
      ),
      authorOnN2.writeRaw(
        msgids.map((m, i) =>
          JSON.stringify({ type: "edit", id: `e${i}`, msgid: m, text: `edited ${i}` }) + "\n"
        ).join(""),
      ),
    ]);
    await repliesTo(author, msgids.map((_, i) => `d${i}`));
    await repliesTo(authorOnN2, msgids.map((_, i) => `e${i}`));
    const marker = await author.ok({ type: "say", room, text: "marker" });
    await watcher.next((f) => f.type === "message" && f.msgid === marker.msgid);
    const history = await fullHistory(watcher, { room });
    for (const msgid of msgids) {
      assert.equal(history.find((m) => m.msgid === msgid)?.deleted, true, `${msgid} deleted`);
    }
    assert.deepEqual(
      editsAfterDeletion(watcher, msgids),
      [],
      "no member is shown a deleted message edited back to text",
    );
  } finally {
    closeAll(author, watcher, authorOnN2 ?? undefined);
  }
}

Deno.test(
  clusterTest("cluster: edit racing delete of the same message (pipelined, and across instances)"),
  async (t) => {
    await withCluster({ instances: 3, nats: "single" }, async (cluster) => {
      await clusterStep(
        t,
        cluster,
        "delete then edit pipelined on one session: the edit is no_such_message, no edited event",
        () => pipelinedStep(cluster),
      );
      await clusterStep(
        t,
        cluster,
        "delete on n1 racing edit on n2 (10 messages): no edited event after deleted",
        () => acrossStep(cluster),
      );
    });
  },
);
