import mysql from "mysql2/promise";
import { deploy, databasePid } from "./cluster_deploy.ts";
import { runLoad } from "./cluster_load.ts";
const d = await deploy({ kind: { mode: "cluster", instances: 3 }, mysqlAdminUrl: "mysql://root@127.0.0.1:3306/", users: 200, rooms: 50 });
const c = await mysql.createConnection({ uri: d.db });
const t0 = performance.now();
const at = () => ((performance.now() - t0) / 1000).toFixed(1);
try {
  const base = { textSize: 64, durationMs: 5000, workers: 2 };
  for (const spec of [
    { ...base, scenario: "fanout" as const, clients: 200, rooms: 1, senders: 10, rate: null, window: 32 },
    { ...base, scenario: "latency" as const, clients: 200, rooms: 1, senders: 10, rate: 1100, window: 10000 },
    { ...base, scenario: "durable" as const, clients: 50, rooms: 50, senders: 50, rate: null, window: 64 },
    { ...base, scenario: "bus" as const, clients: 50, rooms: 50, senders: 50, rate: 5000, window: 10000 },
    { ...base, scenario: "fanout" as const, clients: 200, rooms: 1, senders: 10, rate: null, window: 32 },
    { ...base, scenario: "durable" as const, clients: 50, rooms: 50, senders: 50, rate: null, window: 64 },
    { ...base, scenario: "bus" as const, clients: 50, rooms: 50, senders: 50, rate: 5000, window: 10000 },
  ]) {
    const r = await runLoad(d, spec, databasePid());
    console.log(at(), spec.scenario, "acked", r.acked, "storedAfterMs", r.storedAfterMs, "behind", r.storedBehind, JSON.stringify(r.warnings));
    if (r.storedBehind > 0) {
      for (let i = 0; i < 12; i++) {
        const [rows] = await c.query("SELECT COUNT(*) AS n FROM messages");
        const [set] = await c.query("SELECT setting_key, setting_value FROM settings");
        console.log(at(), "stored", (rows as { n: number }[])[0]!.n, JSON.stringify(set));
        await new Promise((res) => setTimeout(res, 10000));
      }
      const [texts] = await c.query("SELECT seq, text FROM messages");
      const have = new Map<number, Set<number>>();
      let maxSeq = 0;
      for (const row of texts as { seq: number; text: string }[]) {
        const m = /^~(\d+)~(\d+)~/.exec(row.text); if (!m) continue;
        const s = Number(m[1]); const q = Number(m[2]);
        if (!have.has(s)) have.set(s, new Set()); have.get(s)!.add(q); maxSeq = Math.max(maxSeq, Number(row.seq));
      }
      console.log("max stored seq", maxSeq, "per sender counts", [...have.entries()].slice(0, 5).map(([s, q]) => [s, q.size, Math.max(...q)]));
      break;
    }
  }
} finally {
  for (const i of d.instances) console.log(i.name, i.log().split("\n").filter((l) => /WARN|ERROR|cluster_applier|error/i.test(l) && !/connection_closed/.test(l)).slice(-25).join("\n"));
  await c.end();
  await d.stop();
}
