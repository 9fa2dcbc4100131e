/**
 * Conformance, events: `message` to every session in the room (the sender's included),
 * `dm` to every session of both ends, `joined`/`left` to the other members (`left` also
 * when the user's last session disconnects), and accounts logged in several times.
 */
import assert from "node:assert/strict";
import type { Frame, FrameClient } from "../support/frame_client.ts";
import {
  admin,
  ADMIN_TOKEN,
  anotherSession,
  closeAll,
  freshRoom,
  loggedIn,
  startServer,
  uniqueName,
  waitFor,
} from "./support.ts";

/** Round-trips a ping on each client, so every event sent before has arrived. */
async function settle(...clients: FrameClient[]): Promise<void> {
  for (const client of clients) await client.ok({ type: "ping" });
}

/** `joined`/`left` events about `room` received so far by `client`. */
function presence(client: FrameClient, room: string): Frame[] {
  return client.received.filter((f) =>
    (f.type === "joined" || f.type === "left") && f.room === room
  );
}

Deno.test("events conformance", async (t) => {
  const server = await startServer({ env: { FASTCHAT_ADMIN_TOKEN: ADMIN_TOKEN } });
  const { port } = server;
  const alice = await loggedIn(port, uniqueName("alice"));
  const bob = await loggedIn(port, uniqueName("bob"));
  try {
    await t.step(
      "message reaches every session in the room and no session outside it",
      async () => {
        const room = await freshRoom(alice, "bcast");
        const alice2 = await anotherSession(port, alice.user); // Logged in, not joined.
        const bob2 = await anotherSession(port, bob.user);
        try {
          await bob.ok({ type: "join", room });
          await bob2.ok({ type: "join", room });
          const reply = await alice.ok({ type: "say", room, text: "to all" });
          for (const client of [alice, bob, bob2]) {
            const event = await client.next((f) => f.type === "message" && f.msgid === reply.msgid);
            assert.equal(event.text, "to all");
            assert.equal("id" in event, false);
          }
          await settle(alice2);
          assert.equal(
            alice2.events("message").length,
            0,
            "a session that did not join hears nothing",
          );
        } finally {
          closeAll(alice2, bob2);
        }
      },
    );

    await t.step("after leave a session gets no more messages of the room", async () => {
      const room = await freshRoom(alice, "quiet");
      await bob.ok({ type: "join", room });
      await bob.ok({ type: "leave", room });
      const reply = await alice.ok({ type: "say", room, text: "anyone?" });
      await alice.next((f) => f.type === "message" && f.msgid === reply.msgid);
      await settle(bob);
      assert.equal(bob.received.some((f) => f.msgid === reply.msgid), false);
    });

    await t.step("dm reaches every session of the recipient and of the sender", async () => {
      const alice2 = await anotherSession(port, alice.user);
      const bob2 = await anotherSession(port, bob.user);
      const carol = await loggedIn(port, uniqueName("carol"));
      try {
        const reply = await alice.ok({ type: "dm", to: bob.user, text: "both of you" });
        for (const client of [alice, alice2, bob, bob2]) {
          const event = await client.next((f) => f.type === "dm" && f.msgid === reply.msgid);
          assert.equal(event.to, bob.user);
          assert.equal(event.user, alice.user);
        }
        await settle(carol);
        assert.equal(carol.events("dm").length, 0);
      } finally {
        closeAll(alice2, bob2, carol);
      }
    });

    await t.step("joined and left go to the other members, not to the one who moves", async () => {
      const room = await freshRoom(alice, "moves");
      await bob.ok({ type: "join", room });
      const joined = await alice.next((f) => f.type === "joined" && f.room === room);
      assert.deepEqual(joined, { type: "joined", room, user: bob.user });
      await bob.ok({ type: "leave", room });
      const left = await alice.next((f) => f.type === "left" && f.room === room);
      assert.deepEqual(left, { type: "left", room, user: bob.user });
      await settle(bob);
      assert.deepEqual(presence(bob, room), []);
    });

    await t.step("joined and left do not go to sessions outside the room", async () => {
      const room = await freshRoom(alice, "private");
      const carol = await loggedIn(port, uniqueName("carol"));
      try {
        await bob.ok({ type: "join", room });
        await bob.ok({ type: "leave", room });
        await alice.next((f) => f.type === "left" && f.room === room);
        await settle(carol);
        assert.deepEqual(presence(carol, room), []);
      } finally {
        carol.close();
      }
    });

    await t.step("left is sent when the user's last session disconnects, not before", async () => {
      const room = await freshRoom(alice, "dropout");
      const dave = await loggedIn(port, uniqueName("dave"));
      const dave2 = await anotherSession(port, dave.user);
      try {
        await dave.ok({ type: "join", room });
        await dave2.ok({ type: "join", room });
        await settle(alice);
        dave.close();
        // The admin API shows when the server has dropped the first session.
        await waitFor("the server has one session of dave left", async () => {
          const { body } = await admin(server.adminPort, "GET", "/api/users");
          const users = (body as { users: { user: string; sessions: unknown[] }[] }).users;
          return users.find((u) => u.user === dave.user)?.sessions.length === 1;
        });
        await settle(alice);
        assert.deepEqual(
          [...((await alice.ok({ type: "who", room })).users as string[])].sort(),
          [alice.user, dave.user].sort(),
        );
        assert.equal(presence(alice, room).filter((f) => f.type === "left").length, 0);
        dave2.close();
        const left = await alice.next((f) => f.type === "left" && f.room === room);
        assert.deepEqual(left, { type: "left", room, user: dave.user });
      } finally {
        closeAll(dave, dave2);
      }
    });

    await t.step(
      "a user in a room from two sessions: one joined, one left (presence once)",
      async () => {
        const room = await freshRoom(alice, "twice");
        const erin = await loggedIn(port, uniqueName("erin"));
        const erin2 = await anotherSession(port, erin.user);
        try {
          await erin.ok({ type: "join", room });
          await erin2.ok({ type: "join", room });
          await erin.ok({ type: "leave", room });
          await erin2.ok({ type: "leave", room });
          await alice.next((f) => f.type === "left" && f.room === room);
          await settle(alice);
          assert.deepEqual(presence(alice, room), [
            { type: "joined", room, user: erin.user },
            { type: "left", room, user: erin.user },
          ]);
        } finally {
          closeAll(erin, erin2);
        }
      },
    );

    await t.step(
      "a kicked member's sessions get kicked, are closed, and the others get left",
      async () => {
        const room = await freshRoom(alice, "kickout");
        const frank = await loggedIn(port, uniqueName("frank"));
        const frank2 = await anotherSession(port, frank.user);
        try {
          await frank.ok({ type: "join", room });
          await alice.next((f) => f.type === "joined" && f.room === room && f.user === frank.user);
          const kick = await admin(server.adminPort, "POST", "/api/kick", {
            user: frank.user,
            duration: "5m",
          });
          assert.equal(kick.status, 200, JSON.stringify(kick.body));
          for (const session of [frank, frank2]) {
            const kicked = await session.next((f) => f.type === "kicked");
            assert.equal(typeof kicked.until, "string");
            assert.equal(typeof kicked.reason, "string");
            await session.closed;
            assert.equal(session.received.at(-1)!.type, "kicked");
          }
          const left = await alice.next((f) => f.type === "left" && f.room === room);
          assert.deepEqual(left, { type: "left", room, user: frank.user });
        } finally {
          closeAll(frank, frank2);
        }
      },
    );

    await t.step("a second session joining hears messages; the first session too", async () => {
      const room = await freshRoom(alice, "both");
      const alice2 = await anotherSession(port, alice.user);
      try {
        await alice2.ok({ type: "join", room });
        const reply = await bob.ok({ type: "join", room }).then(() =>
          bob.ok({ type: "say", room, text: "hi both" })
        );
        await alice.next((f) => f.type === "message" && f.msgid === reply.msgid);
        await alice2.next((f) => f.type === "message" && f.msgid === reply.msgid);
        await bob.next((f) => f.type === "message" && f.msgid === reply.msgid);
      } finally {
        alice2.close();
      }
    });
  } finally {
    closeAll(alice, bob);
    await server.cleanup();
  }
});
