/**
 * "The server answers every request exactly once", also when the connection closes right
 * after: a `say` pipelined with `logout`, with an oversized frame, or with the 21st bad
 * frame still gets its `ok` before the connection closes.
 */
import assert from "node:assert/strict";
import { startServer } from "../support/server_process.ts";
import { closeAll, loggedIn } from "./support.ts";

Deno.test("answers before close", async (t) => {
  const server = await startServer();
  try {
    const cases: [string, string][] = [
      ["logout", '{"type":"logout","id":"end"}\n'],
      ["bad input a 70,000-byte frame", "x".repeat(70_000) + "\n"],
      ["bad input 21 bad frames", "nope\n".repeat(21)],
    ];
    for (const [what, closer] of cases) {
      await t.step(`a say pipelined with ${what} is answered before the close`, async () => {
        const client = await loggedIn(server.port);
        let reader: Awaited<ReturnType<typeof loggedIn>> | undefined;
        try {
          await client.ok({ type: "join", room: "general" });
          const say = JSON.stringify({ type: "say", id: "s", room: "general", text: what }) + "\n";
          await client.writeRaw(say + closer).catch(() => {});
          await client.closed;
          const ok = client.received.find((f) => f.type === "ok" && f.id === "s");
          assert.ok(ok, `no ok for the say: ${JSON.stringify(client.received.slice(-3))}`);
          reader = await loggedIn(server.port);
          const page = await reader.ok({ type: "history", room: "general" });
          const stored = (page.messages as { msgid: string }[]).map((m) => m.msgid);
          assert.ok(stored.includes(ok.msgid as string), "the acknowledged say is stored");
        } finally {
          closeAll(client, reader);
        }
      });
    }
  } finally {
    await server.cleanup();
  }
});
