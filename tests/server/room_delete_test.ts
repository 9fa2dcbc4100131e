/**
 * Deleting a room (admin API) removes its messages, tells its members, and never lets a
 * restart hand out the deleted messages' msgids again.
 */
import assert from "node:assert/strict";
import { admin, ADMIN_TOKEN, closeAll, freshRoom, loggedIn, startServer } from "./support.ts";

Deno.test("room delete: members get a notice, msgids stay unique across a restart", async () => {
  const first = await startServer({ env: { FASTCHAT_ADMIN_TOKEN: ADMIN_TOKEN } });
  let server = first;
  const db = first.db;
  let ada = await loggedIn(server.port);
  try {
    const room = await freshRoom(ada, "doomed");
    await ada.ok({ type: "join", room });
    await ada.ok({ type: "join", room: "general" });
    const keep = await ada.ok({ type: "say", room: "general", text: "kept" });
    let last = "";
    for (const text of ["one", "two", "three"]) {
      last = (await ada.ok({ type: "say", room, text })).msgid as string;
    }
    const deleted = await admin(
      server.adminPort,
      "DELETE",
      `/api/rooms/${encodeURIComponent(room)}`,
    );
    assert.equal(deleted.status, 204, JSON.stringify(deleted.body));
    const notice = await ada.next((f) => f.type === "notice");
    assert.match(notice.text as string, /deleted/);
    assert.equal((await ada.request({ type: "join", room })).code, "no_such_room");

    await server.stop("SIGTERM");
    server = await startServer({ db, env: { FASTCHAT_ADMIN_TOKEN: ADMIN_TOKEN } });
    closeAll(ada);
    ada = await loggedIn(server.port);
    await ada.ok({ type: "join", room: "general" });
    const after = await ada.ok({ type: "say", room: "general", text: "after restart" });
    assert.ok((after.msgid as string) > last, `${after.msgid} after the deleted ${last}`);
    const page = await ada.ok({ type: "history", room: "general" });
    const msgids = (page.messages as { msgid: string }[]).map((m) => m.msgid);
    assert.deepEqual(msgids.slice(-2), [keep.msgid, after.msgid]);
  } finally {
    closeAll(ada);
    await server.cleanup();
    await first.cleanup(); // Deletes the database both servers used.
  }
});
