/**
 * SIGTERM under load: ten clients send as fast as the server answers; the server is
 * stopped with SIGTERM mid-stream. It exits 0, every client is told `shutdown`, and after a
 * restart on the same database every message whose `ok` a client received is there.
 */
import { equal, ok } from "node:assert/strict";
import { FrameClient } from "../support/frame_client.ts";
import { startServer } from "../support/server_process.ts";
import { waitFor } from "./support.ts";

const SENDERS = 10;
/** Requests each sender keeps in flight. */
const WINDOW = 20;

/** Sends says with up to WINDOW unanswered until the connection closes; returns the acked msgids. */
async function sendUntilClosed(client: FrameClient, name: string): Promise<string[]> {
  const acked: string[] = [];
  let sent = 0;
  let answered = 0;
  const send = () =>
    client.send({
      type: "say",
      id: sent,
      room: "general",
      text: `${name} ${sent++}`,
      cid: `${name}-${sent}`,
    })
      .catch(() => {});
  for (let i = 0; i < WINDOW; i++) await send();
  while (!client.isClosed) {
    const reply = await client.next((f) =>
      (f.type === "ok" || f.type === "error") && f.id === answered
    )
      .catch(() => null);
    if (!reply) break;
    answered++;
    if (reply.type === "ok") acked.push(reply.msgid as string);
    await send();
  }
  return acked;
}

Deno.test("sigterm: a SIGTERM under load loses no acknowledged message", async () => {
  const server = await startServer();
  let restarted: Awaited<ReturnType<typeof startServer>> | null = null;
  const clients: FrameClient[] = [];
  try {
    for (let i = 0; i < SENDERS; i++) {
      const client = await FrameClient.connect(server.port);
      clients.push(client);
      await client.registerAndLogin(`sender${i}`);
      await client.ok({ type: "join", room: "general" });
    }
    const sending = clients.map((client, i) => sendUntilClosed(client, `sender${i}`));
    // Stop once the load is well under way (a count of acks, not a time).
    await waitFor(
      "load under way",
      () => clients.reduce((n, c) => n + c.events("ok").length, 0) > 2_000,
      60_000,
    );
    equal(await server.stop("SIGTERM"), 0);
    const acked = (await Promise.all(sending)).flat();
    ok(acked.length > 2_000, `acknowledged: ${acked.length}`);
    for (const client of clients) ok(client.events("shutdown").length === 1, "told shutdown");

    restarted = await startServer({ db: server.db });
    const reader = await FrameClient.connect(restarted.port);
    clients.push(reader);
    await reader.registerAndLogin("auditor");
    const stored = new Set<string>();
    let after = "0".repeat(16); // Before the first msgid: pages go oldest first.
    while (true) {
      const page = await reader.ok({ type: "history", room: "general", limit: 200, after });
      const messages = page.messages as { msgid: string }[];
      for (const m of messages) stored.add(m.msgid);
      if (!page.more || messages.length === 0) break;
      after = messages.at(-1)!.msgid;
    }
    const lost = acked.filter((msgid) => !stored.has(msgid));
    equal(lost.length, 0, `lost acknowledged messages: ${lost.slice(0, 5).join(", ")}`);
  } finally {
    for (const client of clients) client.close();
    await restarted?.stop("SIGKILL");
    await server.cleanup();
  }
});
