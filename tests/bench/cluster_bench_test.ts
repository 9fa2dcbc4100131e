/**
 * The cluster benchmark stays runnable: `deno task bench --only cluster` with tiny sizes
 * (single-process and cluster deployments on MariaDB and a throwaway NATS, a failover behind
 * HAProxy) must finish, print its tables and one JSON line with every figure, lose nothing
 * in any run, and write its files. No timing is asserted.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { clusterTest } from "../support/cluster.ts";
import { testAdminUrl } from "../support/mysql_db.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

/** What the JSON line says (the parts checked here). */
interface BenchJson {
  benchmark: string;
  summary: {
    scenario: string;
    deployment: string;
    runs: number;
    lost: number;
    duplicates: number;
    reordered: number;
    instanceUsPerMessage: number[];
    natsUsPerMessage: number | null;
  }[];
  loads: { deliveries: number; expectedDeliveries: number; acked: number; sent: number }[];
  failovers: {
    victim: string;
    victims: number;
    dropped: number;
    recovered: number;
    lost: number;
    storedTwice: number;
    unacked: number;
    acked: number;
    failoverMs: { p50: number; p99: number; max: number };
  }[];
  verdicts: { target: string; met: boolean }[];
  failures: unknown[];
}

Deno.test(
  clusterTest(
    "bench --only cluster runs end to end with tiny sizes and prints its table",
    "haproxy",
  ),
  async () => {
    const out = await Deno.makeTempDir({ prefix: "fcbench-test-" });
    try {
      const run = await new Deno.Command(Deno.execPath(), {
        args: [
          ...["run", "-A", "bench/main.ts", "--only", "cluster", "--quick"],
          ...["--clients", "12", "--seconds", "0.5", "--durable-senders", "4"],
          ...["--bus-rate", "200", "--failover-clients", "6"],
          ...["--mysql-url", testAdminUrl(), "--out", out],
        ],
        cwd: ROOT,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = new TextDecoder().decode(run.stdout);
      const stderr = new TextDecoder().decode(run.stderr);
      assert.equal(run.code, 0, `exit ${run.code}\n${stdout}\n${stderr}`);

      // The tables: a row per scenario and deployment, clean; the failover; the verdicts.
      for (const scenario of ["fanout", "latency", "durable", "bus"]) {
        for (const deployment of ["single", "cluster-1", "cluster-3"]) {
          const row = stdout.split("\n").find((line) =>
            line.startsWith(`| ${scenario} | ${deployment} |`)
          );
          assert.ok(row, `no table row for ${scenario} ${deployment}:\n${stdout}`);
          assert.match(row, /\| 0\/0\/0 \|/, `${scenario} ${deployment} lost or reordered`);
        }
      }
      for (const [i, victim] of ["other", "applier"].entries()) {
        const row = new RegExp(
          `^\\| ${i + 1} \\| ${victim} \\| 6 \\| \\d+ \\| (\\d+) / \\1 \\|`,
          "m",
        );
        assert.match(stdout, row, `the failover row killing ${victim}`);
      }
      assert.match(
        stdout,
        /\| failover: acknowledged messages lost = 0 \| 0 of \d+ acked \| yes \|/,
      );
      assert.match(stdout, /Scaling estimate for 100,000 connected users/);

      // The JSON line says the same, with every run.
      const line = stdout.split("\n").find((l) => l.startsWith('{"benchmark":"cluster"'));
      assert.ok(line, "no JSON line");
      const json = JSON.parse(line) as BenchJson;
      assert.equal(json.summary.length, 12);
      assert.deepEqual(json.failures, []);
      for (const s of json.summary) {
        assert.equal(s.runs, 1);
        assert.deepEqual([s.lost, s.duplicates, s.reordered], [0, 0, 0]);
        assert.equal(s.instanceUsPerMessage.length, s.deployment === "cluster-3" ? 3 : 1);
        assert.equal(s.natsUsPerMessage === null, s.deployment === "single");
      }
      for (const load of json.loads) {
        assert.ok(load.sent > 0 && load.acked === load.sent, "every message sent was acked");
        assert.equal(load.deliveries, load.expectedDeliveries);
      }
      assert.deepEqual(json.failovers.map((f) => f.victim), ["other", "applier"]);
      for (const failover of json.failovers) {
        assert.ok(failover.victims > 0, "nobody was on the killed instance");
        assert.equal(failover.dropped, failover.victims);
        assert.equal(failover.recovered, failover.dropped);
        assert.deepEqual([failover.lost, failover.storedTwice, failover.unacked], [0, 0, 0]);
        assert.ok(failover.acked > 0);
        assert.ok(failover.failoverMs.p50 > 0);
        assert.ok(failover.failoverMs.max >= failover.failoverMs.p99);
      }

      const written = JSON.parse(await Deno.readTextFile(join(out, "cluster.json"))) as BenchJson;
      assert.equal(written.summary.length, 12);
      assert.match(await Deno.readTextFile(join(out, "cluster.md")), /\| bus \| cluster-3 \|/);
    } finally {
      await Deno.remove(out, { recursive: true }).catch(() => {});
    }
  },
);
