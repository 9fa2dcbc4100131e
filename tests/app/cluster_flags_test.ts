/**
 * The cluster flags of the contract (`--cluster`, `--cluster-name`, `--instance`): parsed
 * and checked, `--cluster` with SQLite refused with one line and exit 2 (a cluster that
 * cannot be reached: `tests/cluster/start_refusal_test.ts`).
 */
import { deepEqual, equal, match, throws } from "node:assert/strict";
import { ConfigError, parseServerConfig } from "../../lib/app/config.ts";
import { serverCommand } from "../../scripts/lib/server_launcher.ts";

const MYSQL = "mysql://fastchat:secret@127.0.0.1:3306/fastchat";

Deno.test("cluster flags: defaults, flags and environment", () => {
  const defaults = parseServerConfig([], {});
  equal(defaults.cluster, null);
  equal(defaults.clusterName, "fastchat");
  equal(defaults.instance, null);
  const set = parseServerConfig([
    "--db",
    MYSQL,
    "--cluster",
    "nats://127.0.0.1:4222,nats://10.0.0.2:4223",
    "--cluster-name",
    "classe",
    "--instance",
    "a1",
  ], {});
  deepEqual(set.cluster, ["nats://127.0.0.1:4222", "nats://10.0.0.2:4223"]);
  equal(set.clusterName, "classe");
  equal(set.instance, "a1");
  const env = parseServerConfig([], {
    FASTCHAT_DB: MYSQL,
    FASTCHAT_CLUSTER: "nats://nats:4222",
    FASTCHAT_INSTANCE: "b",
  });
  deepEqual(env.cluster, ["nats://nats:4222"]);
  equal(env.instance, "b");
});

Deno.test("cluster flags: bad input --cluster with SQLite, or not nats://host:port, is a ConfigError", () => {
  throws(
    () => parseServerConfig(["--cluster", "nats://127.0.0.1:4222"], {}),
    (e: unknown) => e instanceof ConfigError && /needs --db mysql/.test(e.message),
  );
  for (const bad of ["http://x:4222", "nats://", "nats://host", "127.0.0.1:4222", "nats://a:1,,"]) {
    throws(
      () => parseServerConfig(["--db", MYSQL, "--cluster", bad], {}),
      (e: unknown) => e instanceof ConfigError && /nats:\/\/host:port/.test(e.message),
      bad,
    );
  }
});

async function _run(db: string, args: string[]): Promise<{ code: number; stderr: string }> {
  const dir = await Deno.makeTempDir({ prefix: "fastchat-cluster-flags-" });
  try {
    const out = await serverCommand({ db, args, cwd: dir }).output();
    return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("cluster flags: bad input --cluster with SQLite exits 2 with one line saying why", async () => {
  const { code, stderr } = await _run("sqlite:./chat.db", ["--cluster", "nats://127.0.0.1:4222"]);
  equal(code, 2);
  const lines = stderr.trim().split("\n");
  equal(lines.length, 1, stderr);
  match(lines[0]!, /--cluster needs --db mysql/);
});
