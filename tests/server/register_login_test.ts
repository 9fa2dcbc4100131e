/**
 * A `login` right after `register` on the same connection with the same password skips the
 * second argon2 verification (`lib/auth/registration_proof.ts`), counted by
 * `fastchat_password_hashes_total` on `/metrics`. Over real sockets: the shortcut is taken
 * once, and never for a wrong password, another connection, another account, or an account
 * whose password changed since it was registered (bad inputs: the registered password on a
 * changed account, a wrong password, a second login).
 */
import assert from "node:assert/strict";
import { FrameClient } from "../support/frame_client.ts";
import {
  ADMIN_TOKEN,
  closeAll,
  expectError,
  PASSWORD,
  startServer,
  type TestServer,
  uniqueName,
} from "./support.ts";

async function hashesOf(server: TestServer): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${server.adminPort}/metrics`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  assert.equal(response.status, 200);
  const text = await response.text();
  const line = text.split("\n").find((l) => l.startsWith("fastchat_password_hashes_total "));
  assert.ok(line, "the metric is listed");
  return Number(line.split(" ")[1]);
}

/** Runs `action` and returns how many password hashes the server made meanwhile. */
async function hashesDuring(server: TestServer, action: () => Promise<void>): Promise<number> {
  const before = await hashesOf(server);
  await action();
  return await hashesOf(server) - before;
}

Deno.test("login right after register: one hash, only for the registering connection", async (t) => {
  const server = await startServer({ env: { FASTCHAT_ADMIN_TOKEN: ADMIN_TOKEN } });
  try {
    await t.step("register then login on one connection costs one hash", async () => {
      const user = uniqueName("rl");
      const client = await FrameClient.connect(server.port);
      try {
        const spent = await hashesDuring(server, async () => {
          await client.ok({ type: "register", user, password: PASSWORD });
          const reply = await client.ok({ type: "login", user, password: PASSWORD });
          assert.equal(reply.user, user);
          assert.equal(typeof reply.token, "string");
          await client.ok({ type: "join", room: "general" });
        });
        assert.equal(spent, 1, "the registration's hash only");
        // Bad input: a second login on the same connection verifies normally.
        const again = await hashesDuring(server, async () => {
          await client.ok({ type: "login", user, password: PASSWORD });
        });
        assert.equal(again, 1, "the shortcut is used up by the first login");
      } finally {
        client.close();
      }
    });

    await t.step("bad input: a wrong password after register is refused", async () => {
      const user = uniqueName("rl");
      const client = await FrameClient.connect(server.port);
      try {
        const spent = await hashesDuring(server, async () => {
          await client.ok({ type: "register", user, password: PASSWORD });
          await expectError(
            client,
            { type: "login", user, password: PASSWORD + "x" },
            "bad_credentials",
          );
        });
        assert.equal(spent, 2, "the wrong password is verified with argon2");
      } finally {
        client.close();
      }
    });

    await t.step("another connection, or another account, verifies normally", async () => {
      const user = uniqueName("rl");
      const other = uniqueName("rl");
      const a = await FrameClient.connect(server.port);
      const b = await FrameClient.connect(server.port);
      try {
        await a.ok({ type: "register", user: other, password: PASSWORD });
        const spent = await hashesDuring(server, async () => {
          await a.ok({ type: "register", user, password: PASSWORD });
          await b.ok({ type: "login", user, password: PASSWORD });
        });
        assert.equal(spent, 2, "a login on another connection hashes");
        // The registering connection's proof names `user`: logging into `other` hashes.
        const otherLogin = await hashesDuring(server, async () => {
          await a.ok({ type: "login", user: other, password: PASSWORD });
        });
        assert.equal(otherLogin, 1);
      } finally {
        closeAll(a, b);
      }
    });

    await t.step("bad input: the registered password after a password change", async () => {
      const user = uniqueName("rl");
      const fresh = "another long password";
      const registering = await FrameClient.connect(server.port);
      const changer = await FrameClient.connect(server.port);
      try {
        await registering.ok({ type: "register", user, password: PASSWORD });
        await changer.ok({ type: "login", user, password: PASSWORD });
        await changer.ok({ type: "password", old: PASSWORD, new: fresh });
        await expectError(
          registering,
          { type: "login", user, password: PASSWORD },
          "bad_credentials",
        );
        await registering.ok({ type: "login", user, password: fresh });
      } finally {
        closeAll(registering, changer);
      }
    });
  } finally {
    await server.cleanup();
  }
});
