import { runOnce } from "./run.ts";
const window = Number(Deno.args[1] ?? 32);
const base = {
  store: "sqlite" as const,
  window,
  textSize: 64,
  durationMs: 3000,
  workers: 2,
  mysqlAdminUrl: "mysql://root@127.0.0.1:3306/",
};
for (const target of ["relay", "fastchat"] as const) {
  const r = await runOnce({
    ...base,
    label: "fanout-200",
    target,
    clients: 200,
    rooms: 1,
    senders: 10,
    rate: null,
    denoFlags: Deno.args[0] === "prof" && target === "fastchat"
      ? ["--cpu-prof", "--cpu-prof-dir=/tmp/prof"]
      : [],
  });
  console.log(
    target,
    r.deliveriesPerSec,
    r.ackedPerSec,
    r.latencyMs.p50,
    r.latencyMs.p99,
    r.serverCpuShare,
    r.lost,
  );
}
