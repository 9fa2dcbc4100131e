import { runOnce } from "./run.ts";
const base = { window: 64, textSize: 64, durationMs: 4000, workers: 2, mysqlAdminUrl: "mysql://root@127.0.0.1:3306/" };
const store = (Deno.args[0] ?? "sqlite") as "sqlite";
const r = await runOnce({ ...base, store, label: "durable", target: "fastchat", clients: 50, rooms: 50, senders: 50, rate: null, denoFlags: Deno.args[1] ? ["--cpu-prof", "--cpu-prof-dir=/tmp/prof"] : [] });
console.log(JSON.stringify(r));
