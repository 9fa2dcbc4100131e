/**
 * Presence and the admin views over a real NATS server (a single `nats-server` node): the
 * same cores as `presence_test.ts`, joined by real `ClusterBus` connections, so that the
 * bus's subjects, JSON, `respond` and `requestAll` are exercised as in production.
 */
import { deepStrictEqual as equal, ok } from "node:assert/strict";
import { ClusterBus } from "../../lib/cluster/bus.ts";
import { startNats } from "../support/nats.ts";
import { requiring } from "../support/requires.ts";
import { waitFor } from "../support/wait.ts";
import { FakeHub, presenceEvents, TestInstance } from "./presence_support.ts";

const quiet = { log() {} };

Deno.test(
  requiring(
    "presence over NATS: members, joined/left, an outage of NATS, goodbye, the users of both",
    "nats",
  ),
  async () => {
    const nats = await startNats("single");
    const buses: ClusterBus[] = [];
    const instances: TestInstance[] = [];
    try {
      const clusterName = `presence${Date.now()}`;
      for (const name of ["n1", "n2"]) {
        const bus = await ClusterBus.connect({
          servers: nats.urls.split(","),
          clusterName,
          instance: name,
          log: quiet,
        });
        buses.push(bus);
        instances.push(await TestInstance.start(new FakeHub(), name, Date.now, { bus }));
      }
      const [a, b] = instances as [TestInstance, TestInstance];
      await waitFor(
        "each to hear the other",
        () => a.presence.peers().length === 1 && b.presence.peers().length === 1,
      );
      const carol = a.login(3, "carol");
      a.join(carol, 1);
      const bob = b.login(2, "bob");
      b.join(bob, 1);
      await waitFor("bob on n1", () => a.room(1).members().includes("bob"));
      await waitFor("carol told of bob", () => presenceEvents(carol).includes("joined bob"));
      ok(b.room(1).members().includes("carol"));

      const users = await a.core.cluster!.clusterUsers();
      equal(
        users.map((u) => [u.user, u.sessions.map((s) => s.instance)]).sort(),
        [["bob", ["n2"]], ["carol", ["n1"]]],
      );
      equal(a.presence.instances().map((i) => [i.instance, i.sessions]), [["n1", 1], ["n2", 1]]);

      // NATS goes away for a while: nobody is declared dead meanwhile, and what changed
      // during the outage (dave on n2) reaches n1 once both are back.
      await nats.stopAll();
      await waitFor("both buses to see the outage", () => buses.every((bus) => !bus.connected));
      const dave = b.login(4, "dave");
      b.join(dave, 1);
      a.presence.tick();
      ok(a.room(1).members().includes("bob"), "bob kept while n1 cannot hear n2");
      await nats.startAll();
      await waitFor(
        "dave on n1 after the outage",
        () => a.room(1).members().includes("dave"),
        20_000,
      );
      await waitFor("carol told of dave", () => presenceEvents(carol).includes("joined dave"));
      equal(a.room(1).members().sort(), ["bob", "carol", "dave"]);
      ok(!presenceEvents(carol).includes("left bob"), "no left for bob during the outage");

      b.presence.stop(); // its goodbye: n1 forgets bob and dave at once
      await waitFor("carol told bob left", () => presenceEvents(carol).includes("left bob"));
      equal(a.room(1).members(), ["carol"]);
    } finally {
      for (const instance of instances) await instance.close();
      for (const bus of buses) await bus.close();
      await nats.cleanup();
    }
  },
);
