/**
 * Conformance, version 1.1 resume tokens and `password`, over real sockets: a token logs
 * in without the password (after a restart too), `logout` revokes that token only,
 * `password` revokes the others and closes the other sessions with `bad_credentials`, a
 * kick or mute applies to token logins as to password logins, and every bad token (forged,
 * truncated, 201 characters, another user's, unknown user, both or neither credential)
 * is refused.
 */
import assert from "node:assert/strict";
import { type Frame, FrameClient } from "../support/frame_client.ts";
import {
  admin,
  ADMIN_TOKEN,
  anotherSession,
  closeAll,
  expectError,
  loggedIn,
  PASSWORD,
  startServer,
  type TestServer,
  uniqueName,
} from "./support.ts";

/** Logs `user` in with a password on a new connection; returns it with its token. */
async function passwordSession(
  port: number,
  user: string,
  password = PASSWORD,
): Promise<{ client: FrameClient; token: string }> {
  const client = await FrameClient.connect(port);
  const reply = await client.ok({ type: "login", user, password });
  assert.equal(typeof reply.token, "string");
  return { client, token: reply.token as string };
}

/** A token login on a new connection; returns the connection and the reply. */
async function tokenLogin(
  port: number,
  user: string,
  token: unknown,
): Promise<{ client: FrameClient; reply: Frame }> {
  const client = await FrameClient.connect(port);
  const reply = await client.request({ type: "login", user, token });
  return { client, reply };
}

async function assertTokenRefused(port: number, user: string, token: unknown, what: string) {
  const { client, reply } = await tokenLogin(port, user, token);
  try {
    assert.equal(reply.type, "error", `${what}: ${JSON.stringify(reply)}`);
    assert.equal(reply.code, "bad_credentials", `${what}: ${JSON.stringify(reply)}`);
  } finally {
    client.close();
  }
}

async function assertTokenWorks(port: number, user: string, token: string, what: string) {
  const { client, reply } = await tokenLogin(port, user, token);
  try {
    assert.equal(reply.type, "ok", `${what}: ${JSON.stringify(reply)}`);
    assert.equal(String(reply.user).toLowerCase(), user.toLowerCase());
    assert.equal(reply.token, token, "a token login answers the token it used");
    await client.ok({ type: "join", room: "general" });
  } finally {
    client.close();
  }
}

Deno.test("resume tokens and password conformance", async (t) => {
  let server: TestServer = await startServer({ env: { FASTCHAT_ADMIN_TOKEN: ADMIN_TOKEN } });
  try {
    await t.step("welcome lists the resume and password features", async () => {
      const client = await FrameClient.connect(server.port);
      const features = client.received[0]!.features as string[];
      client.close();
      assert.ok(features.includes("resume") && features.includes("password"), `${features}`);
    });

    await t.step("login answers a token of at most 200 characters; it logs in again", async () => {
      const first = await loggedIn(server.port);
      const reply = await anotherSession(server.port, first.user);
      closeAll(first, reply);
      const { client, token } = await passwordSession(server.port, first.user);
      client.close();
      assert.ok(token.length > 0 && token.length <= 200);
      await assertTokenWorks(server.port, first.user, token, "token login");
      await assertTokenWorks(server.port, first.user.toUpperCase(), token, "any case");
    });

    await t.step("a token still logs in after a server restart", async () => {
      const user = uniqueName("rs");
      const client = await loggedIn(server.port, user);
      client.close();
      const { client: second, token } = await passwordSession(server.port, user);
      second.close();
      await server.stop();
      server = await startServer({
        db: server.db,
        env: { FASTCHAT_ADMIN_TOKEN: ADMIN_TOKEN },
      });
      await assertTokenWorks(server.port, user, token, "after restart");
    });

    await t.step("logout revokes the token of its own session only", async () => {
      const user = uniqueName("lo");
      (await loggedIn(server.port, user)).close();
      const one = await passwordSession(server.port, user);
      const two = await passwordSession(server.port, user);
      await one.client.ok({ type: "logout" });
      await one.client.closed;
      await assertTokenRefused(server.port, user, one.token, "the logged-out session's token");
      await assertTokenWorks(server.port, user, two.token, "the other session's token");
      two.client.close();
    });

    await t.step(
      "bad input a second password login on the same connection: logout revokes both tokens",
      async () => {
        const user = uniqueName("l2");
        (await loggedIn(server.port, user)).close();
        const { client, token: first } = await passwordSession(server.port, user);
        const again = await client.ok({ type: "login", user, password: PASSWORD });
        const second = again.token as string;
        assert.notEqual(second, first);
        // Until the logout, the first token still logs in (it belongs to this session).
        await assertTokenWorks(server.port, user, first, "the first token before logout");
        await client.ok({ type: "logout" });
        await client.closed;
        await assertTokenRefused(server.port, user, second, "the second token after logout");
        await assertTokenRefused(server.port, user, first, "the first token after logout");
      },
    );

    await t.step("logout of a token session revokes that token", async () => {
      const user = uniqueName("lt");
      (await loggedIn(server.port, user)).close();
      const { client, token } = await passwordSession(server.port, user);
      client.close();
      const resumed = await tokenLogin(server.port, user, token);
      assert.equal(resumed.reply.type, "ok");
      await resumed.client.ok({ type: "logout" });
      await assertTokenRefused(server.port, user, token, "after logout of the token session");
      resumed.client.close();
    });

    await t.step("password: others revoked and closed with bad_credentials", async () => {
      const user = uniqueName("pw");
      (await loggedIn(server.port, user)).close();
      const mine = await passwordSession(server.port, user);
      const other = await passwordSession(server.port, user);
      const spare = await passwordSession(server.port, user);
      spare.client.close();
      const newPassword = "a brand new passphrase";
      await mine.client.ok({ type: "password", old: PASSWORD, new: newPassword });
      const closing = await other.client.next((f) => f.type === "error");
      assert.equal(closing.code, "bad_credentials");
      assert.equal(closing.id, undefined, "an event, not a reply");
      await other.client.closed;
      await mine.client.ok({ type: "ping" });
      await mine.client.ok({ type: "join", room: "general" });
      await assertTokenRefused(server.port, user, other.token, "the closed session's token");
      await assertTokenRefused(server.port, user, spare.token, "an idle token");
      await assertTokenWorks(server.port, user, mine.token, "the changing session's token");
      const old = await FrameClient.connect(server.port);
      await expectError(old, { type: "login", user, password: PASSWORD }, "bad_credentials");
      await old.ok({ type: "login", user, password: newPassword });
      closeAll(old, mine.client);
    });

    await t.step("bad input password: wrong old, weak new, before login", async () => {
      const client = await loggedIn(server.port);
      await expectError(
        client,
        { type: "password", old: "not the password", new: "another fine one" },
        "bad_credentials",
      );
      await expectError(client, { type: "password", old: PASSWORD, new: "short" }, "weak_password");
      await expectError(client, { type: "password", old: PASSWORD, new: "" }, "weak_password");
      await expectError(client, { type: "password", old: PASSWORD }, "bad_frame");
      await client.ok({ type: "ping" });
      const anonymous = await FrameClient.connect(server.port);
      await expectError(
        anonymous,
        { type: "password", old: PASSWORD, new: "whatever you like" },
        "not_logged_in",
      );
      closeAll(client, anonymous);
    });

    await t.step("a kick applies to token logins; a mute to token sessions", async () => {
      const user = uniqueName("km");
      (await loggedIn(server.port, user)).close();
      const { client, token } = await passwordSession(server.port, user);
      client.close();
      const muted = await admin(server.adminPort, "POST", "/api/mute", { user, duration: "1h" });
      assert.equal(muted.status, 200);
      const speaker = await tokenLogin(server.port, user, token);
      assert.equal(speaker.reply.type, "ok");
      await speaker.client.ok({ type: "join", room: "general" });
      await expectError(speaker.client, { type: "say", room: "general", text: "hi" }, "muted");
      speaker.client.close();
      const kicked = await admin(server.adminPort, "POST", "/api/kick", { user, duration: "1h" });
      assert.equal(kicked.status, 200);
      const refused = await tokenLogin(server.port, user, token);
      assert.equal(refused.reply.code, "kicked", JSON.stringify(refused.reply));
      assert.equal(typeof refused.reply.until, "string");
      refused.client.close();
    });

    await t.step("a ban revokes the user's tokens, dead after the unban too", async () => {
      const user = uniqueName("bn");
      (await loggedIn(server.port, user)).close();
      const { client, token } = await passwordSession(server.port, user);
      client.close();
      assert.equal((await admin(server.adminPort, "POST", "/api/ban", { user })).status, 200);
      await assertTokenRefused(server.port, user, token, "a token during the ban");
      const banned = await FrameClient.connect(server.port);
      await expectError(banned, { type: "login", user, password: PASSWORD }, "banned");
      banned.close();
      const lifted = await admin(server.adminPort, "DELETE", `/api/bans/${user}`);
      assert.equal(lifted.status, 204);
      await assertTokenRefused(server.port, user, token, "a token from before the ban");
      (await passwordSession(server.port, user)).client.close();
    });

    await t.step("bad input forged, truncated, long, foreign and unknown tokens", async () => {
      const ann = await loggedIn(server.port);
      const ben = await loggedIn(server.port);
      const { client, token } = await passwordSession(server.port, ann.user);
      const [prefix, id, expires, mac] = token.split(".");
      const flip = (text = "") => (text[0] === "A" ? "B" : "A") + text.slice(1);
      const bad: Record<string, unknown> = {
        "forged mac": `${prefix}.${id}.${expires}.${flip(mac)}`,
        "forged id": `${prefix}.${flip(id)}.${expires}.${mac}`,
        "longer life": `${prefix}.${id}.${Number(expires) + 86_400_000}.${mac}`,
        "truncated": token.slice(0, token.length - 5),
        "201 characters": token + "A".repeat(201 - token.length),
        "10,000 characters": "A".repeat(10_000),
        "empty": "",
        "random": crypto.randomUUID(),
      };
      for (const [what, candidate] of Object.entries(bad)) {
        await assertTokenRefused(server.port, ann.user, candidate, what);
      }
      await assertTokenRefused(server.port, ben.user, token, "another user's token");
      await assertTokenRefused(server.port, uniqueName("nobody"), token, "an unknown user");
      await assertTokenRefused(server.port, `${ann.user}\u200B`, token, "an invisible suffix");
      await assertTokenWorks(server.port, ann.user, token, "the real one still works");
      closeAll(ann, ben, client);
    });

    await t.step("bad input both password and token, or neither, is a bad frame", async () => {
      const ann = await loggedIn(server.port);
      const { client, token } = await passwordSession(server.port, ann.user);
      const probe = await FrameClient.connect(server.port);
      const both = { type: "login", user: ann.user, password: PASSWORD, token };
      await expectError(probe, both, "bad_frame");
      await expectError(probe, { type: "login", user: ann.user }, "bad_frame");
      await expectError(probe, { type: "login", user: ann.user, token: 42 }, "bad_frame");
      await probe.ok({ type: "ping" });
      await probe.ok({ type: "login", user: ann.user, password: PASSWORD, token: null });
      closeAll(ann, client, probe);
    });
  } finally {
    await server.cleanup();
  }
});
