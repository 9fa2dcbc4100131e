/**
 * The admin page's live feed (`GET /api/events`) follows edits and deletions made over the
 * chat protocol and through the admin API, against a real server over real sockets: an
 * `edited` with the new text, a `deleted` with the msgid. Bad input: another user's edit
 * and delete of the message are refused and send nothing to the feed.
 */
import assert from "node:assert/strict";
import { FrameClient } from "../support/frame_client.ts";
import { SseText } from "../support/sse_text.ts";
import { ADMIN_TOKEN, closeAll, expectError, startServer } from "../server/support.ts";

Deno.test("admin live feed: edits and deletions reach it, refused ones do not", async () => {
  const server = await startServer({ env: { FASTCHAT_ADMIN_TOKEN: ADMIN_TOKEN } });
  const alice = await FrameClient.connect(server.port);
  const bob = await FrameClient.connect(server.port);
  let events: SseText | undefined;
  try {
    const response = await fetch(`http://127.0.0.1:${server.adminPort}/api/events`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    assert.equal(response.status, 200);
    events = new SseText(response.body!);
    await events.until(/event: hello\n/);

    await alice.registerAndLogin("alice_live");
    await bob.registerAndLogin("bob_live");
    await alice.ok({ type: "join", room: "general" });
    await bob.ok({ type: "join", room: "general" });
    const said = await alice.ok({ type: "say", room: "general", text: "first draft" });
    const msgid = said.msgid as string;
    await events.until(/"first draft"/);

    await expectError(bob, { type: "edit", msgid, text: "bob was here" }, "not_allowed");
    await expectError(bob, { type: "delete", msgid }, "not_allowed");
    await alice.ok({ type: "edit", msgid, text: "second draft" });
    await events.until(/event: edited\n/);
    assert.match(
      events.text,
      new RegExp(
        `event: edited\\ndata: \\{"messages":\\[\\{"msgid":"${msgid}"[^\\n]*"second draft"`,
      ),
    );
    assert.doesNotMatch(events.text, /bob was here/, "a refused edit sends nothing");
    assert.doesNotMatch(events.text, /event: deleted/, "a refused delete sends nothing");

    await alice.ok({ type: "delete", msgid });
    await events.until(new RegExp(`event: deleted\\ndata: \\{"msgids":\\["${msgid}"\\]\\}`));

    // The admin API's deletion reaches the feed the same way.
    const other = await alice.ok({ type: "say", room: "general", text: "to be removed" });
    const removed = await fetch(
      `http://127.0.0.1:${server.adminPort}/api/messages/${other.msgid}`,
      { method: "DELETE", headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
    );
    assert.equal(removed.status, 204);
    await removed.body?.cancel();
    await events.until(new RegExp(`event: deleted\\ndata: \\{"msgids":\\["${other.msgid}"\\]\\}`));
  } finally {
    await events?.cancel();
    closeAll(alice, bob);
    await server.cleanup();
  }
});
