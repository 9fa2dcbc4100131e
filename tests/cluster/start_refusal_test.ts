/**
 * A cluster that cannot be joined is a start failure, never a server running alone: bad
 * input `--cluster` naming a port where no NATS listens makes the server exit 2 with a
 * last line saying which NATS it could not reach, after binding nothing for good (its ports
 * are free again).
 */
import assert from "node:assert/strict";
import { createTestDatabase } from "../support/mysql_db.ts";
import { freePort } from "../support/ports.ts";
import { serverCommand } from "../../scripts/lib/server_launcher.ts";
import { clusterTest } from "../support/cluster.ts";

Deno.test(
  clusterTest("cluster start: bad input --cluster with no NATS listening exits 2 saying why"),
  async () => {
    const database = await createTestDatabase();
    const dir = await Deno.makeTempDir({ prefix: "fastchat-cluster-refusal-" });
    try {
      const nats = freePort();
      const chat = freePort();
      const out = await serverCommand({
        db: database.url,
        args: ["--cluster", `nats://127.0.0.1:${nats}`, "--port", String(chat)],
        cwd: dir,
      }).output();
      const stderr = new TextDecoder().decode(out.stderr).trim();
      assert.equal(out.code, 2, stderr);
      const last = stderr.split("\n").at(-1)!;
      assert.match(last, new RegExp(`cannot reach NATS at nats://127\\.0\\.0\\.1:${nats}`));
      // Nothing stays bound: the chat port can be taken again.
      const listener = Deno.listen({ hostname: "0.0.0.0", port: chat });
      listener.close();
    } finally {
      await database.drop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
);
