/**
 * The idle collector (lib/common/idle_collector.ts): its policy on scripted heap samples,
 * and the engine's real collection giving a grown heap back.
 */
import { equal, ok } from "node:assert/strict";
import {
  engineCollector,
  type HeapSample,
  heapSample,
  holdIdleCollector,
  IdleCollector,
  idleCollectorHolders,
} from "../../lib/common/idle_collector.ts";

const MiB = 1_048_576;

/** A collector over scripted samples; `collected` counts its collections. */
function scripted(samples: HeapSample[], afterCollect: HeapSample) {
  let collected = 0;
  let next = 0;
  const collector = new IdleCollector(
    () => collected++,
    () => collected > 0 && next >= samples.length ? afterCollect : samples[next++] ?? afterCollect,
    { quietSamples: 2, quietBytes: 512 * 1024, growthBytes: 16 * MiB },
  );
  return { collector, collected: () => collected };
}

Deno.test("idle collector: no collection while the heap keeps growing, one once it is quiet", () => {
  const grown = 80 * MiB;
  const { collector, collected } = scripted([
    { used: 10 * MiB, total: 20 * MiB },
    { used: 30 * MiB, total: 40 * MiB },
    { used: 60 * MiB, total: grown },
    { used: 70 * MiB, total: grown },
    { used: 70 * MiB + 1024, total: grown },
    { used: 70 * MiB + 2048, total: grown },
  ], { used: 8 * MiB, total: 22 * MiB });
  for (let i = 0; i < 5; i++) {
    equal(collector.tick(), false, `sample ${i}: growing or not quiet long enough`);
  }
  equal(collector.tick(), true, "second quiet sample: collected");
  equal(collected(), 1);
  for (let i = 0; i < 5; i++) {
    equal(collector.tick(), false, "no second collection without new growth");
  }
  equal(collected(), 1);
});

Deno.test("idle collector: a drop of the used heap (the engine collected) is activity, and a small heap is left alone", () => {
  const { collector, collected } = scripted([
    { used: 50 * MiB, total: 20 * MiB },
    { used: 20 * MiB, total: 70 * MiB },
    { used: 20 * MiB, total: 70 * MiB },
  ], { used: 20 * MiB, total: 70 * MiB });
  equal(collector.tick(), false);
  equal(collector.tick(), false, "the drop counts as allocation");
  equal(collector.tick(), false, "one quiet sample is not enough");
  equal(collector.tick(), true, "quiet twice and 50 MiB above the floor");
  equal(collected(), 1);

  const small = scripted([
    { used: 10 * MiB, total: 30 * MiB },
    { used: 10 * MiB, total: 40 * MiB },
    { used: 10 * MiB, total: 40 * MiB },
    { used: 10 * MiB, total: 40 * MiB },
  ], { used: 10 * MiB, total: 40 * MiB });
  for (let i = 0; i < 4; i++) equal(small.collector.tick(), false, "10 MiB of growth is below 16");
  equal(small.collected(), 0);
});

Deno.test("idle collector: a process busy on other threads (password hashing) is not quiet", () => {
  let clock = 0;
  let cpuMs = 0;
  let share = 0.8; // of a core, as argon2 on the thread pool while the main thread waits
  let collected = 0;
  const collector = new IdleCollector(
    () => collected++,
    () => ({ used: 10 * MiB, total: clock === 0 ? 20 * MiB : 80 * MiB, cpuMs }),
    { now: () => clock },
  );
  const tickFor = (ms: number) => {
    for (const end = clock + ms; clock < end;) {
      clock += 200;
      cpuMs += 200 * share;
      collector.tick();
    }
  };
  collector.tick(); // the floor: 20 MiB
  tickFor(5_000);
  equal(collected, 0, "the heap is still, but the process uses 80 % of a core");
  share = 0.02;
  tickFor(1_000);
  equal(collected, 1, "collected once the whole process is quiet");
});

Deno.test("idle collector: the engine's collection is reachable and gives a grown heap back", async () => {
  const collect = engineCollector();
  ok(collect, "the engine's full collection is reachable without a command-line flag");
  collect();
  const floor = heapSample().total;
  // This isolate's heap; the process's CPU is left out: other test modules run in it.
  const collector = new IdleCollector(collect, () => ({ ...heapSample(), cpuMs: 0 }));
  equal(collector.tick(), false, "the first sample sets the floor");
  // About 150 MB of short and long-lived garbage, as a burst of traffic leaves.
  let keep: unknown[] = [];
  for (let i = 0; i < 1_500_000; i++) {
    keep.push({ i, text: `message ${i}` });
    if (keep.length > 200_000) keep = [];
  }
  keep = [];
  const grown = heapSample().total;
  ok(grown - floor > 32 * MiB, `the burst grew the heap (${floor} → ${grown})`);
  let collected = false;
  // Samples 100 ms apart, as on its timer (the process is quiet between them).
  for (let i = 0; i < 30 && !collected; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    collected = collector.tick();
  }
  ok(collected, "quiet after the burst: collected");
  const after = heapSample().total;
  ok(
    after < floor + (grown - floor) / 2,
    `half the growth given back at least (${grown} → ${after})`,
  );
  equal(keep.length, 0);
});

Deno.test("idle collector: one per isolate, stopped when its last holder lets go", () => {
  const before = idleCollectorHolders().holders;
  const releaseA = holdIdleCollector();
  const releaseB = holdIdleCollector();
  equal(idleCollectorHolders().holders, before + 2);
  ok(idleCollectorHolders().running, "running while held");
  releaseA();
  releaseA(); // a second release of the same hold is ignored
  equal(idleCollectorHolders().holders, before + 1);
  ok(idleCollectorHolders().running, "still running for the other holder");
  releaseB();
  equal(idleCollectorHolders().holders, before);
  equal(idleCollectorHolders().running, before > 0, "stopped with its last holder");
});

Deno.test("idle collector: its pauses take at most 1 % of the time, with one second saved up", () => {
  let clock = 0;
  let collected = 0;
  // Quiet throughout; each collection pauses 400 ms and brings the heap to 40 MiB, which
  // then grows back to 100 MiB at once (a worst case: the rules on growth always hold).
  let total = 100 * MiB;
  const collector = new IdleCollector(
    () => {
      collected++;
      clock += 400;
      total = 40 * MiB;
    },
    () => ({ used: 10 * MiB, total }),
    { now: () => clock, minSpacingMs: 0 },
  );
  total = 40 * MiB;
  collector.tick(); // the floor: 40 MiB
  const tickFor = (ms: number) => {
    for (const end = clock + ms; clock < end; clock += 200) {
      total = 100 * MiB;
      collector.tick();
    }
  };
  tickFor(2_000);
  equal(collected, 3, "the saved-up second: 400 + 400 + 400 ms (the last one overdraws)");
  const before = collected;
  tickFor(600_000);
  const pausedMs = (collected - before) * 400;
  ok(pausedMs <= 600_000 * 0.01 + 400, `at most 1 % of ten minutes paused (${pausedMs} ms)`);
  ok(collected - before >= 10, "but collected again as the budget allows");
});

Deno.test("idle collector: at most one collection a minute, however often the server goes idle", () => {
  let clock = 0;
  let collected = 0;
  let total = 20 * MiB;
  const collector = new IdleCollector(
    () => {
      collected++;
      total = 20 * MiB;
    },
    () => ({ used: 10 * MiB, total, cpuMs: 0 }),
    { now: () => clock },
  );
  collector.tick(); // the floor: 20 MiB
  for (; clock < 120_000; clock += 200) {
    total = 80 * MiB; // grows back between every two samples: always worth collecting
    collector.tick();
  }
  ok(collected >= 2 && collected <= 3, `one a minute over two minutes (${collected})`);
});
