/**
 * The shared server launcher (`scripts/lib/server_launcher.ts`) that the tests, the
 * benchmark and the smoke script start servers with.
 */
import { deepStrictEqual as assertEquals, equal, match, ok, rejects } from "node:assert/strict";
import { SERVER } from "../../scripts/lib/binaries.ts";
import {
  fromSource,
  launchServer,
  RATE_LIMITS_OFF,
  serverArgs,
  serverCommand,
} from "../../scripts/lib/server_launcher.ts";

Deno.test("launcher: loopback, free ports and the db first, rate limits off on request, extra flags last", () => {
  assertEquals(serverArgs({ db: "sqlite:x.db" }), [
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--admin-port",
    "0",
    "--db",
    "sqlite:x.db",
  ]);
  const args = serverArgs({ db: "sqlite:x.db", rateLimits: false, args: ["--msg-rate", "1:1"] });
  assertEquals(args.slice(8), [...RATE_LIMITS_OFF, "--msg-rate", "1:1"]);
});

Deno.test("launcher: the sources run under deno with exactly the binary's permissions", () => {
  const program = fromSource(SERVER, ["--cpu-prof"]);
  equal(program.command, Deno.execPath());
  assertEquals(program.args.slice(0, -1), ["run", ...SERVER.permissions, "--cpu-prof"]);
  ok(program.args.at(-1)!.endsWith("/server.ts"));
  ok(!program.args.includes("-A"));
});

Deno.test("launcher: starts a server, reads its ports from the listening line, stops it by SIGTERM", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fastchat-launcher-" });
  try {
    const server = await launchServer({ db: `sqlite:${dir}/fastchat.db`, rateLimits: false });
    ok(server.port > 0 && server.adminPort > 0 && server.port !== server.adminPort);
    ok(
      server.stdout().includes(`fastchat listening chat=${server.port} admin=${server.adminPort}`),
    );
    const page = await fetch(`http://127.0.0.1:${server.adminPort}/`);
    equal(page.status, 200, "the compiled-in admin page is served");
    await page.body?.cancel();
    const status = await server.stop();
    equal(status.code, 0, server.log());
    match(server.log(), /stopped/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("launcher: bad input --db makes the launch throw with the server's exit code and log", async () => {
  await rejects(
    launchServer({ db: "postgres://nowhere/db" }),
    /exited \(2\) before listening:\n.*--db must be sqlite:PATH/s,
  );
  const output = await serverCommand({ db: "postgres://nowhere/db" }).output();
  equal(output.code, 2);
});
