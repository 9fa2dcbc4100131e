/**
 * The instance that writes the log into the database (the applier: the one whose MySQL
 * connection holds `GET_LOCK`) stops answering without dying: SIGSTOP here, as a VM
 * paused, a swap storm or an event loop blocked for good would. Its TCP connections stay
 * up (the kernel keeps them), so MySQL never frees the lock and no other instance takes
 * over: the database stops receiving messages, and every `history`, `join`, `search` and
 * edit check on every instance waits 10 s and answers `unavailable` for as long as the
 * freeze lasts. The other instances declared it dead after 10 s (presence), yet nothing
 * ties the applier's role to that. The contract's "kill -9 of any one instance loses no
 * acknowledged message" holds, but reads of the whole cluster hang on one frozen process.
 */
import assert from "node:assert/strict";
import { clusterStep, clusterTest, withCluster } from "../support/cluster.ts";
import { closeAll, freshRoom, loggedIn } from "../server/support.ts";
import { waitFor } from "../support/wait.ts";
import { gauge, metricsOf } from "./attack_support.ts";

Deno.test(
  clusterTest("cluster: the applier instance frozen (SIGSTOP): another takes over the database"),
  async (t) => {
    await withCluster({ instances: 3, nats: "single" }, async (cluster) => {
      const leader = await waitFor("one instance to be the applier", async () => {
        for (const [i, instance] of cluster.instances.entries()) {
          if (gauge(await metricsOf(instance.adminPort), "fastchat_cluster_applier") === 1) {
            return i + 1;
          }
        }
        return undefined;
      });
      const frozen = cluster.instances[leader - 1]!;
      const others = cluster.instances.filter((i) => i !== frozen);
      const a = await loggedIn(others[0]!.port);
      const b = await loggedIn(others[1]!.port);
      const pid = frozen.process.child.pid;
      try {
        const room = await freshRoom(a, "frozen");
        await b.ok({ type: "join", room });
        await a.ok({ type: "say", room, text: "before" });
        Deno.kill(pid, "SIGSTOP");
        try {
          const said = await a.ok({ type: "say", room, text: "while frozen" });
          await b.next((f) => f.type === "message" && f.msgid === said.msgid);
          await clusterStep(
            t,
            cluster,
            "history on the others works again within 30 s",
            async () => {
              let last: unknown = null;
              const started = Date.now();
              try {
                await waitFor("another instance to apply the log", async () => {
                  const id = `h${Date.now()}`;
                  await b.send({ type: "history", id, room });
                  const reply = await b.next((f) => f.id === id, 15_000);
                  last = reply;
                  return reply.type === "ok" &&
                    (reply.messages as { msgid: string }[]).some((m) => m.msgid === said.msgid);
                }, 30_000);
              } catch {
                assert.fail(
                  `${frozen.name} froze holding the applier's lock; ${
                    Math.round((Date.now() - started) / 1000)
                  } s later history still answers ${JSON.stringify(last)}`,
                );
              }
            },
          );
        } finally {
          Deno.kill(pid, "SIGCONT");
        }
      } finally {
        closeAll(a, b);
      }
    });
  },
);
