/**
 * `say`/`dm` check bans and kicks when they are accepted (issue 11, item 9): a session of
 * a banned account that is still open (it raced with the ban) is answered `banned`, then
 * closed with the `banned` frame, and nothing reaches the store. Real server modules and
 * a real SQLite store; only the socket is a recording fake.
 */
import { equal, ok, rejects } from "node:assert/strict";
import { RequestError } from "../../lib/protocol/error_codes.ts";
import { ChatServer } from "../../lib/server/chat_server.ts";
import { dm, say } from "../../lib/server/requests/messages.ts";
import { silentLogger } from "../../lib/common/log.ts";
import { Session } from "../../lib/server/net/session.ts";
import { openSqliteStore } from "../../lib/store/sqlite_store.ts";

Deno.test("sender check: bad input say/dm of a banned account still connected → banned, then closed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fastchat-sender-check-" });
  const store = await openSqliteStore(`${dir}/fastchat.db`);
  const server = await ChatServer.create(store, {
    version: "test",
    motd: "",
    maxFrame: 65_536,
    outboundLimit: 1 << 20,
    msgRate: null,
    connLimit: null,
    connRate: null,
    authRate: null,
    log: silentLogger,
  });
  try {
    const { core } = server;
    const user = await store.createUser({
      name: "eve",
      nameKey: "eve",
      passwordHash: "x",
      createdAt: 1,
    });
    ok(user);
    let written = "";
    const session = new Session({
      id: 1,
      conn: {
        write: (bytes) => {
          written += new TextDecoder().decode(bytes);
          return Promise.resolve(bytes.length);
        },
        close: () => {},
      },
      address: "127.0.0.1:1",
      host: "127.0.0.1",
      now: Date.now(),
      outboundLimit: 1 << 20,
      onSlowConsumer: () => {},
    });
    core.sessions.add(session);
    const account = { id: user.id, name: user.name, key: user.nameKey };
    core.sessions.login(session, account);
    core.enterRoom(session, core.rooms.get("general")!);
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
    const ctx = { core, session, id: 1 };
    await rejects(
      async () => await say(ctx, { room: "general", text: "hi", cid: undefined }),
      (error: unknown) =>
        error instanceof RequestError && error.code === "banned" && error.extra.reason === "spam",
    );
    await rejects(
      async () => await dm(ctx, { to: "eve", text: "hi", cid: undefined }),
      (error: unknown) => error instanceof RequestError && error.code === "banned",
    );
    equal(core.writer.pending, 0, "nothing was submitted");
    await new Promise((resolve) => setTimeout(resolve, 10));
    ok(session.closeStarted, "the session is being closed");
    await session.close("test");
    ok(written.includes(`"type":"banned"`), written);
    equal(await store.countMessages(), 0);
  } finally {
    await server.shutdown("", 0);
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
});
