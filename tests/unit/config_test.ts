import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import {
  ConfigError,
  DEFAULT_GUARDS,
  DEFAULT_SETTINGS,
  flagSettings,
  parseServerConfig,
  resolveServerSettings,
  SERVER_ENV,
  serverHelp,
  SETTINGS,
} from "../../lib/app/config.ts";

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

Deno.test("config: every setting has exactly one entry in the table, and its default parses", () => {
  const keys = Object.keys(SETTINGS).sort();
  const { guards, ...top } = DEFAULT_SETTINGS;
  assertEquals(keys, [...Object.keys(top), ...Object.keys(guards)].sort());
  const flags = flagSettings();
  assertEquals(new Set(flags.map((s) => s.flag)).size, flags.length, "flags are unique");
  assertEquals(new Set(flags.map((s) => s.env)).size, flags.length, "variables are unique");
  for (const setting of flags) {
    // The default written for --help is the value the server runs with.
    const fromText = parseServerConfig([setting.flag, setting.default], {});
    const viaEnv = parseServerConfig([], { [setting.env]: setting.default });
    assertEquals(fromText, parseServerConfig([], {}), setting.flag);
    assertEquals(viaEnv, parseServerConfig([], {}), setting.env);
  }
  const help = serverHelp("9.9.9");
  for (const { flag, env, default: def } of flags) {
    ok(help.includes(`  ${flag} `), flag);
    ok(help.includes(`env ${env}, default ${def || "off"}`), env);
  }
  for (const env of ["FASTCHAT_ADMIN_PASSWORD", "FASTCHAT_ADMIN_TOKEN", "FASTCHAT_FLOOD"]) {
    ok(SERVER_ENV.includes(env), env);
  }
});

Deno.test("config: parsing nothing gives the defaults; resolving fills what a caller leaves out", () => {
  const { adminPassword, adminToken, resetAdminPassword, help, version, ...settings } =
    parseServerConfig([], {});
  assertEquals(settings, DEFAULT_SETTINGS);
  assertEquals([adminPassword, adminToken, resetAdminPassword, help, version], [
    null,
    null,
    false,
    false,
    false,
  ]);
  assertEquals(resolveServerSettings(), DEFAULT_SETTINGS);
  const resolved = resolveServerSettings({
    port: 0,
    msgRate: null,
    motd: undefined,
    guards: { maxRooms: 3 },
  });
  assertEquals([resolved.port, resolved.msgRate, resolved.motd], [0, null, "Welcome to FastChat."]);
  assertEquals(resolved.guards, { ...DEFAULT_GUARDS, maxRooms: 3 });
  resolved.adminHostNames.push("x");
  assertEquals(DEFAULT_SETTINGS.adminHostNames, [], "a resolved copy shares nothing");
  ok(Object.isFrozen(DEFAULT_SETTINGS.guards.flood));
  throws(() => resolveServerSettings({ tlsCert: "a.pem" }), ConfigError);
});
