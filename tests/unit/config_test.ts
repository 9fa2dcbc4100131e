import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { ConfigError, parseServerConfig } from "../../lib/app/config.ts";

Deno.test("config: defaults match the contract's table", () => {
  const c = parseServerConfig([], {});
  assertEquals([c.host, c.port, c.adminHost, c.adminPort, c.db], [
    "0.0.0.0",
    9000,
    "127.0.0.1",
    9080,
    "sqlite:./fastchat.db",
  ]);
  assertEquals(c.msgRate, { rate: 5, burst: 10 });
  assertEquals([c.connLimit, c.connRate, c.authRate], [20, 60, 5]);
});

Deno.test("config: flags win over environment, which wins over defaults", () => {
  const env = { FASTCHAT_PORT: "7000", FASTCHAT_DB: "sqlite:/tmp/x.db" };
  assertEquals(parseServerConfig([], env).port, 7000);
  assertEquals(parseServerConfig(["--port", "7001"], env).port, 7001);
  assertEquals(parseServerConfig([], env).db, "sqlite:/tmp/x.db");
});

Deno.test("config: off disables each limit", () => {
  const c = parseServerConfig([
    "--msg-rate=off",
    "--conn-limit=off",
    "--conn-rate=off",
    "--auth-rate=off",
  ], {});
  assertEquals([c.msgRate, c.connLimit, c.connRate, c.authRate], [null, null, null, null]);
});

Deno.test("config: bad input ports, rates and unknown flags give a ConfigError", () => {
  for (
    const args of [
      ["--port", "70000"],
      ["--port", "nine"],
      ["--msg-rate", "fast"],
      ["--conn-limit", "-1"],
      ["--no-such-flag"],
      ["--tls-cert", "a.pem"],
      ["--log-format", "xml"],
    ]
  ) {
    throws(() => parseServerConfig(args, {}), ConfigError, args.join(" "));
  }
});
