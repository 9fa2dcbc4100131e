/**
 * Structured logs: with `--log-format json` every stderr line is one JSON object; each
 * connection has exactly one open and one close line, the close with its reason; refused
 * connections say why; no password ever appears.
 */
import { equal, ok } from "node:assert/strict";
import { createLogger } from "../../lib/common/log.ts";
import { FrameClient } from "../support/frame_client.ts";
import { startServer } from "../support/server_process.ts";
import { jsonLogLines, RawPeer, waitFor } from "./support.ts";

const PASSWORD = "a very secret passphrase";

Deno.test("logs: json lines, one open and one close per connection with the reason, no secrets", async () => {
  const server = await startServer({
    limits: true,
    args: ["--log-format", "json", "--conn-limit", "2", "--login-timeout", "1"],
  });
  try {
    const user = await FrameClient.connect(server.port);
    await user.ok({ type: "register", user: "logged", password: PASSWORD });
    await user.ok({ type: "login", user: "logged", password: PASSWORD });
    const wrong = await user.request({ type: "login", user: "logged", password: PASSWORD + "x" });
    equal(wrong.code, "bad_credentials");
    const silent = await FrameClient.connect(server.port); // Closed by the login timeout.
    const refused = await RawPeer.connect(server.port); // Third from 127.0.0.1: refused.
    await refused.closed;
    await silent.closed;
    await user.ok({ type: "logout" });
    await user.closed;
    const lines = await waitFor("three close lines", () => {
      const parsed = jsonLogLines(server.log());
      return parsed.filter((l) => l.event === "connection_closed").length === 2 &&
        parsed.some((l) => l.event === "connection_refused") && parsed;
    });
    for (const line of lines) {
      ok(
        typeof line.at === "string" && typeof line.level === "string" &&
          typeof line.event === "string",
      );
    }
    const opened = lines.filter((l) => l.event === "connection_opened");
    const closed = lines.filter((l) => l.event === "connection_closed");
    equal(opened.length, 2);
    equal(
      opened.map((l) => l.session).sort().join(","),
      closed.map((l) => l.session).sort().join(","),
    );
    const reasons = Object.fromEntries(closed.map((l) => [l.user ?? "none", l.reason]));
    equal(reasons.logged, "logout");
    equal(reasons.none, "login timeout");
    const refusal = lines.find((l) => l.event === "connection_refused")!;
    ok(/Too many connections/.test(refusal.reason as string));
    ok(!server.log().includes(PASSWORD), "the password is never logged");
    ok(!server.log().includes("test-admin-password"), "the admin password is never logged");
  } finally {
    await server.cleanup();
  }
});

/** Values a user controls that tried to forge a line, a field or the reading order. */
const FORGERIES: Record<string, string> = {
  "U+202E right-to-left override": "evil\u202Enimda",
  "U+2028 line separator": "evil\u2028INFO login_ok by=admin",
  "U+2029 paragraph separator": "evil\u2029by=admin",
  "U+0085 next line": "evil\u0085by=admin",
  "newline": "evil\nby=admin",
  "a space then a field": "evil by=admin",
  "an equals sign": "by=admin",
  "a quote": 'evil"by=admin',
  "U+200B zero width space": "ad\u200Bmin",
  "U+FEFF byte order mark": "\uFEFFadmin",
  "U+E0100 variation selector": "admin\u{E0100}",
};

Deno.test("logs: bad input text lines escape bidi, separators and forged fields", () => {
  const lines: string[] = [];
  const log = createLogger("text", (line) => lines.push(line));
  for (const [what, value] of Object.entries(FORGERIES)) {
    lines.length = 0;
    log.log("info", "room_created", { room: value, by: "alice" });
    equal(lines.length, 1, what);
    const line = lines[0]!;
    ok(
      !/[\p{Cc}\p{Cf}\u2028\u2029\u0085]|\p{Default_Ignorable_Code_Point}/u.test(line),
      `${what}: ${line}`,
    );
    equal(line.split(" by=").length, 2, `${what}: one by= field only: ${line}`);
    ok(line.endsWith(" by=alice"), `${what}: ${line}`);
    const quoted = /room=("(?:[^"\\]|\\.)*")/.exec(line);
    ok(quoted, `${what}: the value is quoted: ${line}`);
    equal(JSON.parse(quoted[1]!), value, `${what}: the escaped value reads back`);
  }
  lines.length = 0;
  log.log("info", "login", { user: "Élodie", room: "Général" });
  ok(lines[0]!.endsWith(" user=Élodie room=Général"), "plain names stay readable");
});

Deno.test("logs: bad input json lines escape bidi and separators, and still parse", () => {
  const lines: string[] = [];
  const log = createLogger("json", (line) => lines.push(line));
  for (const [what, value] of Object.entries(FORGERIES)) {
    lines.length = 0;
    log.log("info", "room_created", { room: value });
    ok(!/[\p{Cc}\p{Cf}\u2028\u2029]|\p{Default_Ignorable_Code_Point}/u.test(lines[0]!), what);
    equal(JSON.parse(lines[0]!).room, value, what);
  }
});

Deno.test("logs: a registration refusal names the remedy, logged once per address", async () => {
  const server = await startServer({ limits: true, args: ["--log-format", "json"] });
  try {
    const client = await FrameClient.connect(server.port);
    for (let i = 0; i < 5; i++) {
      await client.ok({ type: "register", user: `nat${i}`, password: PASSWORD });
    }
    for (let i = 5; i < 8; i++) {
      const refused = await client.request({
        type: "register",
        user: `nat${i}`,
        password: PASSWORD,
      });
      equal(refused.code, "rate_limited");
      ok(String(refused.message).includes("--auth-rate 60"), String(refused.message));
      ok(typeof refused.retryAfterMs === "number");
    }
    const lines = await waitFor("the refusal line", () => {
      const found = jsonLogLines(server.log()).filter((l) =>
        l.event === "registrations_rate_limited"
      );
      return found.length > 0 && found;
    });
    equal(lines.length, 1, "one line per address and window, not one per refusal");
    ok(String(lines[0]!.hint).includes("--auth-rate 60"));
    client.close();
  } finally {
    await server.cleanup();
  }
});
