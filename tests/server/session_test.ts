/**
 * Conformance, session: `welcome`, `ping`, `register`, `login`, `logout`, user name and
 * password rules, and `not_logged_in` for every request that needs a login.
 */
import assert from "node:assert/strict";
import { FrameClient } from "../support/frame_client.ts";
import {
  admin,
  ADMIN_TOKEN,
  assertError,
  closeAll,
  expectError,
  loggedIn,
  PASSWORD,
  startServer,
  uniqueName,
} from "./support.ts";

const NEEDS_LOGIN: Record<string, unknown>[] = [
  { type: "rooms" },
  { type: "create_room", room: "somewhere" },
  { type: "join", room: "general" },
  { type: "leave", room: "general" },
  { type: "say", room: "general", text: "hi" },
  { type: "dm", to: "someone", text: "hi" },
  { type: "history", room: "general" },
  { type: "who", room: "general" },
];

Deno.test("session conformance", async (t) => {
  const server = await startServer({ env: { FASTCHAT_ADMIN_TOKEN: ADMIN_TOKEN } });
  const { port } = server;
  const client = await FrameClient.connect(port);
  try {
    await t.step("welcome has protocol 1, server fastchat/<version>, motd and limits", () => {
      const welcome = client.received[0]!;
      assert.equal(welcome.type, "welcome");
      assert.equal(welcome.protocol, 1);
      assert.match(String(welcome.server), /^fastchat\/\S+$/);
      assert.equal(typeof welcome.motd, "string");
      assert.deepEqual(welcome.limits, { maxFrame: 65536, maxText: 4000 });
      assert.equal("id" in welcome, false);
    });

    await t.step("ping before login answers ok echoing a string or an integer id", async () => {
      const a = await client.request({ type: "ping", id: "p-1" });
      assert.deepEqual(a, { type: "ok", id: "p-1" });
      const b = await client.request({ type: "ping", id: 0 });
      assert.deepEqual(b, { type: "ok", id: 0 });
      const c = await client.request({ type: "ping", id: -42 });
      assert.deepEqual(c, { type: "ok", id: -42 });
    });

    await t.step("bad input every logged-in request before login gets not_logged_in", async () => {
      for (const frame of NEEDS_LOGIN) {
        const reply = await client.request(frame);
        assertError(reply, "not_logged_in");
      }
      assert.equal(client.isClosed, false);
    });

    await t.step("register replies with the user and does not log in", async () => {
      const user = uniqueName("Reg");
      const reply = await client.ok({ type: "register", user, password: PASSWORD });
      assert.equal(reply.user, user);
      await expectError(client, { type: "rooms" }, "not_logged_in");
    });

    await t.step("bad input register of a taken name gets user_taken", async () => {
      const user = uniqueName("taken");
      await client.ok({ type: "register", user, password: PASSWORD });
      await expectError(client, { type: "register", user, password: PASSWORD }, "user_taken");
      const upper = user.toUpperCase();
      await expectError(
        client,
        { type: "register", user: upper, password: PASSWORD },
        "user_taken",
      );
    });

    await t.step("login replies with user and the room list, and joins no room", async () => {
      const user = uniqueName("Login");
      const c = await FrameClient.connect(port);
      try {
        await c.ok({ type: "register", user, password: PASSWORD });
        const reply = await c.ok({ type: "login", user, password: PASSWORD });
        assert.equal(reply.user, user);
        const rooms = reply.rooms as { name: string; topic: unknown; members: string[] }[];
        assert.ok(Array.isArray(rooms));
        const general = rooms.find((r) => r.name === "general");
        assert.ok(general, "the room list has general");
        assert.ok(general.topic === null || typeof general.topic === "string");
        for (const room of rooms) assert.equal(room.members.includes(user), false);
        const who = await c.ok({ type: "who", room: "general" });
        assert.equal((who.users as string[]).includes(user), false);
        await expectError(c, { type: "say", room: "general", text: "hi" }, "not_in_room");
        await expectError(c, { type: "leave", room: "general" }, "not_in_room");
      } finally {
        c.close();
      }
    });

    await t.step(
      "bad input login with a wrong password or unknown user gets bad_credentials",
      async () => {
        const user = uniqueName("cred");
        await client.ok({ type: "register", user, password: PASSWORD });
        await expectError(
          client,
          { type: "login", user, password: "wrong password" },
          "bad_credentials",
        );
        await expectError(
          client,
          { type: "login", user: uniqueName("ghost"), password: PASSWORD },
          "bad_credentials",
        );
      },
    );

    await t.step(
      "bad input login with an empty user or password gets the field's own code",
      async () => {
        const user = uniqueName("emptyf");
        await client.ok({ type: "register", user, password: PASSWORD });
        await expectError(
          client,
          { type: "login", user: "", password: PASSWORD },
          "invalid_username",
        );
        await expectError(client, { type: "login", user, password: "" }, "weak_password");
        await expectError(
          client,
          { type: "register", user: "", password: PASSWORD },
          "invalid_username",
        );
        await expectError(
          client,
          { type: "register", user: uniqueName("e"), password: "" },
          "weak_password",
        );
      },
    );

    await t.step("login in any case replies with the registered case", async () => {
      const user = uniqueName("MiXed");
      await client.ok({ type: "register", user, password: PASSWORD });
      for (const spelled of [user.toLowerCase(), user.toUpperCase()]) {
        const c = await FrameClient.connect(port);
        try {
          const reply = await c.ok({ type: "login", user: spelled, password: PASSWORD });
          assert.equal(reply.user, user);
        } finally {
          c.close();
        }
      }
    });

    await t.step(
      "user names fold with full Unicode case folding (Élodie/ÉLODIE, straße/STRASSE)",
      async () => {
        const tag = uniqueName("x").slice(2);
        const pairs = [[`Élodie${tag}`, `ÉLODIE${tag}`], [`straße${tag}`, `STRASSE${tag}`], [
          `Σίσυφος${tag}`,
          `ΣΊΣΥΦΟΣ${tag}`,
        ]];
        for (const [first, second] of pairs) {
          const reply = await client.ok({ type: "register", user: first, password: PASSWORD });
          assert.equal(reply.user, first);
          await expectError(
            client,
            { type: "register", user: second, password: PASSWORD },
            "user_taken",
          );
          const c = await FrameClient.connect(port);
          try {
            const login = await c.ok({ type: "login", user: second, password: PASSWORD });
            assert.equal(login.user, first);
          } finally {
            c.close();
          }
        }
      },
    );

    await t.step(
      "user names of 2 and 32 characters, any script, digits, _ . - are accepted",
      async () => {
        const tag = uniqueName("").slice(1);
        const names = [
          "Zq",
          `n${tag}${"x".repeat(32)}`.slice(0, 32),
          `José.García-${tag}`,
          `Дмитрий_${tag}`,
          `李小龍${tag}`,
          `نور${tag}`,
          `a1_.-${tag}`,
          `${"é".repeat(30)}${tag}`.slice(0, 32),
        ];
        for (const user of names) {
          const reply = await client.request({ type: "register", user, password: PASSWORD });
          assert.equal(reply.type, "ok", `${user}: ${JSON.stringify(reply)}`);
          assert.equal(reply.user, user);
        }
      },
    );

    await t.step(
      "bad input user names: empty, 1 char, 33 chars, space, symbols, control, emoji → invalid_username",
      async () => {
        const bad = [
          "",
          "a",
          "b".repeat(33),
          "é".repeat(33),
          "two words",
          "semi;colon",
          "at@sign",
          "slash/",
          "tab\tname",
          "nl\nname",
          "emoji😀",
          "quote'",
          " lead",
          "trail ",
        ];
        for (const user of bad) {
          const reply = await client.request({ type: "register", user, password: PASSWORD });
          assertError(reply, "invalid_username");
        }
      },
    );

    await t.step(
      "passwords: exactly 8 characters and exactly 1024 bytes are accepted",
      async () => {
        const a = uniqueName("pw8");
        await client.ok({ type: "register", user: a, password: "12345678" });
        const b = uniqueName("pw1k");
        const long = "é".repeat(512); // 512 characters, 1,024 bytes in UTF-8.
        await client.ok({ type: "register", user: b, password: long });
        const c = await FrameClient.connect(port);
        try {
          await c.ok({ type: "login", user: a, password: "12345678" });
          const d = await FrameClient.connect(port);
          try {
            await d.ok({ type: "login", user: b, password: long });
          } finally {
            d.close();
          }
        } finally {
          c.close();
        }
      },
    );

    await t.step(
      "bad input passwords: empty, 7 chars, 1025 bytes, 513 two-byte chars → weak_password",
      async () => {
        for (const password of ["", "1234567", "x".repeat(1025), "é".repeat(513)]) {
          const reply = await client.request({
            type: "register",
            user: uniqueName("weak"),
            password,
          });
          assertError(reply, "weak_password");
        }
      },
    );

    await t.step("bad input login of a banned user gets banned with the reason", async () => {
      const victim = await loggedIn(port);
      try {
        const ban = await admin(server.adminPort, "POST", "/api/ban", {
          user: victim.user,
          reason: "spam",
        });
        assert.equal(ban.status, 200, JSON.stringify(ban.body));
        const event = await victim.next((f) => f.type === "banned");
        assert.equal(event.reason, "spam");
        await victim.closed;
        const c = await FrameClient.connect(port);
        try {
          const reply = await c.request({ type: "login", user: victim.user, password: PASSWORD });
          assertError(reply, "banned");
          assert.equal(reply.reason, "spam");
        } finally {
          c.close();
        }
      } finally {
        victim.close();
      }
    });

    await t.step("bad input login of a kicked user gets kicked with until", async () => {
      const victim = await loggedIn(port);
      try {
        const kick = await admin(server.adminPort, "POST", "/api/kick", {
          user: victim.user,
          duration: "1h",
          reason: "calm down",
        });
        assert.equal(kick.status, 200, JSON.stringify(kick.body));
        const event = await victim.next((f) => f.type === "kicked");
        assert.equal(event.reason, "calm down");
        assert.equal(typeof event.until, "string");
        assert.ok(!Number.isNaN(Date.parse(event.until as string)));
        await victim.closed;
        const c = await FrameClient.connect(port);
        try {
          const reply = await c.request({ type: "login", user: victim.user, password: PASSWORD });
          assertError(reply, "kicked");
          assert.equal(Date.parse(reply.until as string), Date.parse(event.until as string));
        } finally {
          c.close();
        }
      } finally {
        victim.close();
      }
    });

    await t.step("logout replies ok and then the server closes the connection", async () => {
      const c = await loggedIn(port);
      try {
        const reply = await c.request({ type: "logout", id: "bye" });
        assert.deepEqual(reply, { type: "ok", id: "bye" });
        await c.closed;
        assert.equal(c.isClosed, true);
      } finally {
        c.close();
      }
    });

    await t.step("one account logged in on two connections at once", async () => {
      const first = await loggedIn(port);
      const second = await FrameClient.connect(port);
      try {
        const reply = await second.ok({ type: "login", user: first.user, password: PASSWORD });
        assert.equal(reply.user, first.user);
        await first.ok({ type: "ping" });
        await second.ok({ type: "rooms" });
      } finally {
        closeAll(first, second);
      }
    });
  } finally {
    client.close();
    await server.cleanup();
  }
});
