/**
 * `say`/`dm` check bans and kicks when they are accepted (issue 11, item 9): a session of
 * a banned account that is still open (it raced with the ban) is answered `banned`, then
 * closed with the `banned` frame, and nothing reaches the store. Real server modules and
 * a real SQLite store; only the socket is a recording fake.
 */
import { equal, ok } from "node:assert/strict";
import { ChatServer } from "../../lib/server/chat_server.ts";
import { resolveServerSettings } from "../../lib/app/config.ts";
import { dm, say } from "../../lib/server/requests/messages.ts";
import { RequestContext } from "../../lib/server/requests/context.ts";
import { silentLogger } from "../../lib/common/log.ts";
import { Session } from "../../lib/server/net/session.ts";
import { openSqliteStore } from "../../lib/store/sqlite_store.ts";

Deno.test("sender check: bad input say/dm of a banned account still connected → banned, then closed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fastchat-sender-check-" });
  const store = await openSqliteStore(`${dir}/fastchat.db`);
  const server = await ChatServer.create(
    store,
    resolveServerSettings({ msgRate: null, connLimit: null, connRate: null, authRate: null }),
    { version: "test", log: silentLogger },
  );
  try {
    const { core } = server;
    const user = await store.createUser({
      name: "eve",
      nameKey: "eve",
      passwordHash: "x",
      createdAt: 1,
    });
    ok(user);
    /** A logged-in session in general whose socket records what it is sent. */
    const open = (id: number) => {
      const sent = { text: "" };
      const session = new Session({
        id,
        conn: {
          write: (bytes) => {
            sent.text += new TextDecoder().decode(bytes);
            return Promise.resolve(bytes.length);
          },
          close: () => {},
        },
        address: `127.0.0.1:${id}`,
        host: "127.0.0.1",
        now: Date.now(),
        outboundLimit: 1 << 20,
        onSlowConsumer: () => {},
      });
      core.sessions.add(session);
      core.sessions.login(session, { id: user.id, name: user.name, key: user.nameKey });
      core.enterRoom(session, core.rooms.get("general")!);
      return { session, sent };
    };
    const first = open(1);
    // The ban is in force (as during or after an admin's ban) but this session is open.
    await core.moderation.impose({
      kind: "ban",
      userId: user.id,
      user: user.name,
      until: null,
      reason: "spam",
      by: "root",
      at: Date.now(),
    });
    const sayCtx = new RequestContext(core, first.session, 1);
    await say(sayCtx, { room: "general", text: "hi", cid: undefined, kind: undefined });
    ok(sayCtx.answered, "the say is answered at once");
    ok(first.session.closeStarted, "the session is being closed");
    // A second session (the first one is closing) tries a dm.
    const second = open(2);
    const dmCtx = new RequestContext(core, second.session, 2);
    await dm(dmCtx, { to: "eve", text: "hi", cid: undefined });
    equal(core.writer.pending, 0, "nothing was submitted");
    await Promise.all([first.session.close("test"), second.session.close("test")]);
    for (const [{ sent }, id] of [[first, 1], [second, 2]] as const) {
      const frames = sent.text.trim().split("\n").map((line) => JSON.parse(line));
      const refusal = frames.findIndex((f) => f.id === id);
      ok(refusal >= 0, sent.text);
      equal(frames[refusal].type, "error");
      equal(frames[refusal].code, "banned");
      equal(frames[refusal].reason, "spam");
      const last = frames.at(-1);
      equal(last.type, "banned", "closed with the banned frame, after the refusal");
      ok(frames.length - 1 > refusal);
    }
    equal(await store.countMessages(), 0);
  } finally {
    await server.shutdown("", 0);
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
});
