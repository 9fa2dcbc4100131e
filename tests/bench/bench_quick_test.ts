/**
 * The benchmark harness's correctness: a tiny version of the quick mode's scenarios, run
 * for real (server subprocess, worker processes, sockets), must deliver every message to
 * every member exactly once, in order. No timing is asserted.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { runOnce, type RunSpec } from "../../bench/run.ts";

const BASE: Omit<RunSpec, "label" | "target"> = {
  store: "sqlite",
  clients: 12,
  rooms: 1,
  senders: 3,
  rate: null,
  window: 8,
  textSize: 64,
  durationMs: 500,
  workers: 2,
  mysqlAdminUrl: "mysql://root@127.0.0.1:3306/",
};

function assertClean(result: Awaited<ReturnType<typeof runOnce>>): void {
  assert(result.sent > 0, "the senders sent nothing");
  assertEquals(
    {
      lost: result.lost,
      duplicates: result.duplicates,
      reordered: result.reordered,
      dropped: result.dropped,
      refused: result.refused,
      deliveries: result.deliveries,
    },
    {
      lost: 0,
      duplicates: 0,
      reordered: 0,
      dropped: 0,
      refused: 0,
      deliveries: result.expectedDeliveries,
    },
  );
  // Every message reaches every client of its room, its sender included.
  assertEquals(result.expectedDeliveries, (result.sent * result.clients) / result.rooms);
}

Deno.test("bench: unpaced fan-out through FastChat loses, repeats and reorders nothing", async () => {
  assertClean(await runOnce({ ...BASE, label: "fanout-tiny", target: "fastchat" }));
});

Deno.test("bench: paced sends in several rooms through FastChat arrive exactly once, in order", async () => {
  assertClean(
    await runOnce({
      ...BASE,
      label: "rooms-tiny",
      target: "fastchat",
      clients: 20,
      rooms: 4,
      senders: 4,
      rate: 400,
      window: 1_000,
    }),
  );
});

Deno.test("bench: the bare relay passes every message to every member exactly once", async () => {
  assertClean(await runOnce({ ...BASE, label: "fanout-tiny", target: "relay" }));
});

Deno.test("bench: idle connections are counted and cost a measurable RSS", async () => {
  const result = await runOnce({
    ...BASE,
    label: "ramp-tiny",
    target: "fastchat",
    idle: true,
    clients: 50,
    serverArgs: ["--max-connections", "off", "--login-timeout", "off"],
  });
  assertEquals(result.dropped, 0);
  assert(result.rssPerConnection !== null, "no RSS figure for an idle run");
});
