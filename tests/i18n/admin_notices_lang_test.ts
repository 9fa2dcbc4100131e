/**
 * On a French server (`--lang fr`), what the admin API makes the server say to chat users is
 * in French too: a deleted room's notice and a topic's notice (they were English: the admin
 * side called them without the server's language). A client that understands `room_deleted`
 * says it itself and drops the notice that repeats it for version 1 clients.
 */
import assert from "node:assert/strict";
import { ChatClient } from "../../lib/client/chat_client.ts";
import { FrameClient } from "../support/frame_client.ts";
import { startServer } from "../support/server_process.ts";
import { admin, ADMIN_TOKEN } from "../server/support.ts";
import { EventLog } from "../client/support.ts";

const PASSWORD = "correct horse";

Deno.test("admin notices: on a --lang fr server a topic set and a room deleted from the admin API are told in French; the client drops the notice repeating room_deleted", async () => {
  const server = await startServer({
    args: ["--lang", "fr"],
    env: { FASTCHAT_ADMIN_TOKEN: ADMIN_TOKEN },
  });
  const raw = await FrameClient.connect(server.port);
  const client = await ChatClient.connect({
    endpoint: { host: "127.0.0.1", port: server.port, tls: false },
  });
  try {
    await raw.registerAndLogin("ines");
    assert.ok((await client.register("theo", PASSWORD)).ok);
    assert.ok((await client.login("theo", PASSWORD)).ok);
    await raw.ok({ type: "create_room", room: "Maths" });
    await raw.ok({ type: "join", room: "Maths" });
    assert.ok((await client.join("Maths")).ok);
    const log = new EventLog(client);

    const topic = await admin(server.adminPort, "PUT", "/api/rooms/Maths/topic", {
      topic: "Contrôle vendredi",
    });
    assert.equal(topic.status, 200, JSON.stringify(topic.body));
    const told = await raw.next((f) => f.type === "notice");
    assert.equal(told.text, "Sujet du salon Maths : Contrôle vendredi");

    const deleted = await admin(server.adminPort, "DELETE", "/api/rooms/Maths");
    assert.ok(deleted.status === 200 || deleted.status === 204, JSON.stringify(deleted.body));
    const notice = await raw.next((f) => f.type === "notice");
    assert.equal(notice.text, "Le salon Maths a été supprimé.");
    await log.until(() => log.events.some((e) => e.type === "room_deleted"), "room_deleted");
    // The notice follows room_deleted on the same connection: a ping's answer comes after it.
    await client.request({ type: "ping" });
    const notices = log.events.filter((e) => e.type === "notice").map((e) =>
      e.type === "notice" ? e.text : ""
    );
    assert.ok(!notices.some((text) => text.includes("supprimé")), notices.join(" | "));
  } finally {
    raw.close();
    client.close();
    await server.cleanup();
  }
});
