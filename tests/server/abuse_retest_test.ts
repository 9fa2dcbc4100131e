/**
 * Chat-side abuse found by the issue 11 re-test, over the server under test (SQLite and
 * MySQL): correct-password logins in a loop (each an argon2 hash) are rate-limited per
 * account, token logins are not; join/leave spam is rate-limited per session, so members
 * see a bounded number of `joined`/`left`; switching a connection to another account
 * revokes the previous account's token. With the limits off (the conformance setting)
 * neither rate applies.
 */
import assert from "node:assert/strict";
import { ACCOUNT_LOGIN_RATE } from "../../lib/auth/login_rate.ts";
import { JOIN_LEAVE_RATE } from "../../lib/server/limits/room_limiter.ts";
import { FrameClient } from "../support/frame_client.ts";
import {
  closeAll,
  expectError,
  loggedIn,
  PASSWORD,
  startServer,
  uniqueName,
  waitFor,
} from "./support.ts";

Deno.test("abuse retest: bad input correct-password login loop answers rate_limited with retry_after", async () => {
  const server = await startServer({ limits: true });
  const looper = await loggedIn(server.port);
  const other = await FrameClient.connect(server.port);
  try {
    let token = "";
    // loggedIn spent one password login of the account's burst.
    for (let i = 1; i < ACCOUNT_LOGIN_RATE.burst; i++) {
      const reply = await looper.ok({ type: "login", user: looper.user, password: PASSWORD });
      token = String(reply.token);
    }
    const refused = await expectError(
      looper,
      { type: "login", user: looper.user, password: PASSWORD },
      "rate_limited",
    );
    assert.equal(typeof refused.retry_after, "number", JSON.stringify(refused));
    assert.ok((refused.retry_after as number) >= 1, JSON.stringify(refused));
    // A token login is a MAC check, not a hash: not counted.
    await other.ok({ type: "login", user: looper.user, token });
    // Another account from the same address still logs in with its password.
    const second = uniqueName("u");
    await other.ok({ type: "register", user: second, password: PASSWORD });
    await other.ok({ type: "login", user: second, password: PASSWORD });
  } finally {
    closeAll(looper, other);
    await server.cleanup();
  }
});

Deno.test("abuse retest: with --auth-rate off, password logins are not rate-limited", async () => {
  const server = await startServer();
  const client = await loggedIn(server.port);
  try {
    for (let i = 0; i < ACCOUNT_LOGIN_RATE.burst + 2; i++) {
      await client.ok({ type: "login", user: client.user, password: PASSWORD });
    }
  } finally {
    client.close();
    await server.cleanup();
  }
});

Deno.test("abuse retest: bad input join/leave spam answers rate_limited; members see a bounded number of events", async () => {
  const server = await startServer({ limits: true });
  const spammer = await loggedIn(server.port);
  const member = await loggedIn(server.port);
  try {
    await member.ok({ type: "join", room: "general" });
    let accepted = 0;
    let refused: Record<string, unknown> | null = null;
    for (let i = 0; i < JOIN_LEAVE_RATE.burst + 10 && refused === null; i++) {
      const reply = await spammer.request({
        type: i % 2 === 0 ? "join" : "leave",
        room: "general",
      });
      if (reply.type === "ok") accepted++;
      else refused = reply;
    }
    assert.ok(refused, "join/leave was never refused");
    assert.equal(refused.code, "rate_limited", JSON.stringify(refused));
    assert.equal(typeof refused.retry_after, "number", JSON.stringify(refused));
    assert.ok(accepted <= JOIN_LEAVE_RATE.burst + 1, `accepted ${accepted}`);
    // The member sees one event per accepted join/leave, and no more.
    await member.ok({ type: "ping" });
    await waitFor(
      "the member's events",
      () =>
        member.received.filter((f) =>
          (f.type === "joined" || f.type === "left") && f.user === spammer.user
        ).length >= accepted - 1,
    );
    const events = member.received.filter((f) =>
      (f.type === "joined" || f.type === "left") && f.user === spammer.user
    );
    assert.ok(events.length <= accepted, `${events.length} events for ${accepted} requests`);
  } finally {
    closeAll(spammer, member);
    await server.cleanup();
  }
});

Deno.test("abuse retest: with --msg-rate off, join/leave is not rate-limited", async () => {
  const server = await startServer();
  const client = await loggedIn(server.port);
  try {
    for (let i = 0; i < JOIN_LEAVE_RATE.burst + 10; i++) {
      await client.ok({ type: i % 2 === 0 ? "join" : "leave", room: "general" });
    }
  } finally {
    client.close();
    await server.cleanup();
  }
});

Deno.test("abuse retest: bad input logging a connection in as another account revokes the previous token", async () => {
  const server = await startServer();
  const conn = await FrameClient.connect(server.port);
  const probe = await FrameClient.connect(server.port);
  try {
    const [a, b] = [uniqueName("a"), uniqueName("b")];
    await conn.ok({ type: "register", user: a, password: PASSWORD });
    await conn.ok({ type: "register", user: b, password: PASSWORD });
    const first = await conn.ok({ type: "login", user: a, password: PASSWORD });
    await conn.ok({ type: "login", user: b, password: PASSWORD });
    await conn.ok({ type: "logout" });
    await expectError(
      probe,
      { type: "login", user: a, token: String(first.token) },
      "bad_credentials",
    );
    // The same account logging in again on one connection keeps its token working.
    const again = await FrameClient.connect(server.port);
    const kept = await again.ok({ type: "login", user: a, password: PASSWORD });
    await again.ok({ type: "login", user: a, password: PASSWORD });
    again.close();
    await probe.ok({ type: "login", user: a, token: String(kept.token) });
  } finally {
    closeAll(conn, probe);
    await server.cleanup();
  }
});
