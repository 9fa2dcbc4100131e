/**
 * Attack on room deletion: a user keeps saying into a room (300 `say`s pipelined on n1)
 * while an admin deletes it through n2, then the room is created again under the same name.
 * Every `say` must be answered, the deletion must succeed, the applier must not stop or
 * skip an entry (a message whose room is gone would break a batch on the foreign key), the
 * new room must not inherit the old one's messages, and the rest of the chat must go on.
 * Handled today: the test documents it. It also counts the deadlocks between the applier's
 * transaction and the room's deletion (`cluster_apply_failed … Deadlock`), which the
 * applier retries: seen in some runs, each one a failed attempt of the 5 that the
 * applier allows a batch before it takes it apart and may skip an entry.
 */
import assert from "node:assert/strict";
import { clusterStep, clusterTest, type TestCluster, withCluster } from "../support/cluster.ts";
import {
  admin,
  closeAll,
  freshRoom,
  fullHistory,
  loggedIn,
  repliesTo,
  uniqueName,
} from "../server/support.ts";
import { waitFor } from "../support/wait.ts";
import { logLines, logPositions } from "./attack_support.ts";

const SAYS = 300;

async function step(cluster: TestCluster): Promise<void> {
  const [n1, , n3] = cluster.instances.map((i) => i.port) as [number, number, number];
  const speaker = await loggedIn(n1);
  const watcher = await loggedIn(n3);
  try {
    const room = await freshRoom(speaker, "doomed");
    await watcher.ok({ type: "join", room });
    const ids = Array.from({ length: SAYS }, (_, i) => `s${i}`);
    const lines = ids.map((id) => JSON.stringify({ type: "say", id, room, text: id }) + "\n");
    // The first half goes before the deletion starts, the rest while it runs.
    await speaker.writeRaw(lines.slice(0, SAYS / 2).join(""));
    const [deletion] = await Promise.all([
      admin(cluster.instances[1]!.adminPort, "DELETE", `/api/rooms/${encodeURIComponent(room)}`),
      speaker.writeRaw(lines.slice(SAYS / 2).join("")),
    ]);
    assert.equal(deletion.status, 204, JSON.stringify(deletion.body));
    const replies = await repliesTo(speaker, ids);
    const codes = new Map<string, number>();
    for (const reply of replies) {
      const code = reply.type === "ok" ? "ok" : String(reply.code);
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    for (const code of codes.keys()) {
      assert.ok(["ok", "not_in_room", "no_such_room"].includes(code), `answer ${code}`);
    }
    await watcher.next((f) => f.type === "room_deleted" && f.room === room);

    // The same name again: a new room, with nothing of the old one.
    await speaker.ok({ type: "create_room", room });
    await speaker.ok({ type: "join", room });
    await watcher.ok({ type: "join", room });
    const fresh = await speaker.ok({ type: "say", room, text: "a new start" });
    await watcher.next((f) => f.type === "message" && f.msgid === fresh.msgid);
    const history = await fullHistory(watcher, { room });
    assert.deepEqual(history.map((m) => m.text), ["a new start"]);

    const other = await freshRoom(watcher, uniqueName("after").slice(0, 20));
    await watcher.ok({ type: "say", room: other, text: "still fine" });
    await waitFor("the database to hold every entry", async () => {
      return (await logPositions(cluster)).every((p) => p.applied >= p.read);
    });
    assert.deepEqual(logLines(cluster, "cluster_entry_skipped"), []);
    // A deadlock between the applier's batch and the room's deletion is retried; anything
    // else refused is not expected.
    const failures = logLines(cluster, "cluster_apply_failed");
    assert.deepEqual(failures.filter((l) => !l.includes("Deadlock")), []);
    assert.ok(cluster.instances.every((i) => i.running), "no instance died");
    console.log(
      `says into the room being deleted: ${JSON.stringify(Object.fromEntries(codes))}; ` +
        `applier deadlocks retried: ${failures.length}`,
    );
  } finally {
    closeAll(speaker, watcher);
  }
}

Deno.test(
  clusterTest("cluster: a room deleted on n2 while 300 says pour into it on n1"),
  async (t) => {
    await withCluster({ instances: 3, nats: "single" }, async (cluster) => {
      await clusterStep(
        t,
        cluster,
        "every say answered, applier unharmed, new room clean",
        () => step(cluster),
      );
    });
  },
);
