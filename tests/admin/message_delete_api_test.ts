/**
 * `DELETE /api/messages/{msgid}` (issue 15) against a real server subprocess over TCP: the
 * message becomes a tombstone through the protocol's own delete path, the room's members
 * get `deleted` with `by`, the deletion is audited; unknown, malformed, already deleted
 * and direct messages get 404.
 */
import assert from "node:assert/strict";
import { startServer } from "../support/server_process.ts";
import { FrameClient } from "../support/frame_client.ts";
import { admin, ADMIN_TOKEN } from "../server/support.ts";

const ENV = { FASTCHAT_ADMIN_TOKEN: ADMIN_TOKEN };

Deno.test("message deletion API: 204, a tombstone, `deleted` with by to the members, audited; bad msgids 404", async () => {
  const server = await startServer({ env: ENV });
  const ann = await FrameClient.connect(server.port);
  const bob = await FrameClient.connect(server.port);
  try {
    await ann.registerAndLogin("ann");
    await bob.registerAndLogin("bob");
    await ann.ok({ type: "join", room: "general" });
    await bob.ok({ type: "join", room: "general" });
    const said = await ann.ok({ type: "say", room: "general", text: "regrettable" });
    const msgid = said.msgid as string;

    const reply = await admin(server.adminPort, "DELETE", `/api/messages/${msgid}`);
    assert.equal(reply.status, 204, JSON.stringify(reply.body));
    for (const client of [ann, bob]) {
      const event = await client.next((f) => f.type === "deleted");
      assert.equal(event.msgid, msgid);
      assert.equal(event.room, "general");
      assert.equal(typeof event.by, "string");
      assert.ok((event.by as string).length > 0);
    }
    const history = await bob.ok({ type: "history", room: "general" });
    const stored = (history.messages as { msgid: string; text: string; deleted?: boolean }[])
      .find((m) => m.msgid === msgid);
    assert.deepEqual([stored?.text, stored?.deleted], ["", true]);

    const again = await admin(server.adminPort, "DELETE", `/api/messages/${msgid}`);
    assert.equal(again.status, 404, "already deleted");
    const dm = await ann.ok({ type: "dm", to: "bob", text: "private" });
    const bad = ["99999999999", "not-a-msgid", dm.msgid as string];
    for (const id of bad) {
      const refused = await admin(server.adminPort, "DELETE", `/api/messages/${id}`);
      assert.equal(refused.status, 404, `${id}: ${JSON.stringify(refused.body)}`);
      assert.equal((refused.body as { error: { code: string } }).error.code, "no_such_message");
    }
    const dmHistory = await bob.ok({ type: "history", with: "ann" });
    assert.equal((dmHistory.messages as { text: string }[])[0]!.text, "private", "dm untouched");

    const audit = await admin(server.adminPort, "GET", "/api/audit");
    const entry = (audit.body as { entries: { action: string; target: string; by: string }[] })
      .entries.find((e) => e.action === "delete_message" && e.target === msgid);
    assert.ok(entry, "audited");
  } finally {
    ann.close();
    bob.close();
    await server.cleanup();
  }
});
