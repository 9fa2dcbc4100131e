/**
 * Structured logs: with `--log-format json` every stderr line is one JSON object; each
 * connection has exactly one open and one close line, the close with its reason; refused
 * connections say why; no password ever appears.
 */
import { equal, ok } from "node:assert/strict";
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
