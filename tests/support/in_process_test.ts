/**
 * The in-process harness runs the real server: admission by client address, the
 * configuration parsed from flags, the admin API and restarts on the same memory database.
 */
import assert from "node:assert/strict";
import { connectTo } from "./endpoints.ts";
import { FrameClient } from "./frame_client.ts";
import { startInProcessServer } from "./in_process.ts";

Deno.test("in-process server: welcome, register, say, and history after a restart on the same db", async () => {
  const first = await startInProcessServer();
  const second = { server: null as Awaited<ReturnType<typeof startInProcessServer>> | null };
  try {
    const client = await FrameClient.connect(first.port);
    assert.equal(client.received[0]?.type, "welcome");
    await client.registerAndLogin("harness_user");
    await client.ok({ type: "join", room: "general" });
    const said = await client.ok({ type: "say", room: "general", text: "kept" });
    client.close();
    assert.equal(await first.stop(), 0);
    await assert.rejects(() => FrameClient.connect(first.port), Deno.errors.ConnectionRefused);
    second.server = await startInProcessServer({ db: first.db });
    const again = await FrameClient.connect(second.server.port);
    await again.ok({ type: "login", user: "harness_user", password: "correct horse" });
    const page = await again.ok({ type: "history", room: "general" });
    const messages = page.messages as { msgid: string; text: string }[];
    assert.deepEqual(messages.map((m) => [m.msgid, m.text]), [[said.msgid, "kept"]]);
    again.close();
  } finally {
    await second.server?.cleanup();
    await first.cleanup();
  }
});

Deno.test("in-process server: bad input a second connection over --conn-limit 1 is refused per address", async () => {
  const server = await startInProcessServer({ limits: true, args: ["--conn-limit", "1"] });
  try {
    const one = await FrameClient.connect(server.port, "127.0.0.1", "127.0.0.5");
    const refused = FrameClient.over(await connectTo(server.port, "127.0.0.1", "127.0.0.5"));
    const error = await refused.next((f) => f.type === "error");
    assert.equal(error.code, "rate_limited");
    await refused.closed;
    const other = await FrameClient.connect(server.port, "127.0.0.1", "127.0.0.6");
    assert.ok(server.log().includes("connection_refused"), server.log());
    closeAll(one, refused, other);
  } finally {
    await server.cleanup();
  }
});

function closeAll(...clients: FrameClient[]): void {
  for (const client of clients) client.close();
}
