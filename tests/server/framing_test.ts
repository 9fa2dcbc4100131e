/**
 * Conformance, framing: frames split across writes (down to single bytes, inside a UTF-8
 * character), many frames in one write, `\r\n`, invalid UTF-8, the 65,536-byte limit
 * (`frame_too_large`, then closed), and a half-sent frame followed by a disconnect.
 */
import assert from "node:assert/strict";
import { FrameClient } from "../support/frame_client.ts";
import { startServer } from "../support/server_process.ts";
import { closeAll, freshRoom, loggedIn, rawError, repliesTo, uniqueName } from "./support.ts";

const encoder = new TextEncoder();

/** A `ping` frame of exactly `bytes` bytes (without the newline), padded by a stray field. */
function pingOfSize(id: number, bytes: number): string {
  const bare = JSON.stringify({ type: "ping", id, pad: "" });
  const frame = JSON.stringify({ type: "ping", id, pad: "x".repeat(bytes - bare.length) });
  assert.equal(encoder.encode(frame).length, bytes);
  return frame;
}

Deno.test("framing conformance", async (t) => {
  const server = await startServer();
  const { port } = server;
  const alice = await loggedIn(port, uniqueName("alice"));
  const bob = await loggedIn(port, uniqueName("bob"));
  try {
    const room = await freshRoom(alice, "frames");
    await bob.ok({ type: "join", room });

    await t.step("a frame written one byte at a time, split inside UTF-8 characters", async () => {
      const text = "byte by byte: é ß 😀 中";
      const bytes = encoder.encode(JSON.stringify({ type: "say", id: "bb", room, text }) + "\n");
      for (const byte of bytes) await bob.writeRaw(new Uint8Array([byte]));
      const reply = await bob.next((f) => f.id === "bb");
      assert.equal(reply.type, "ok", JSON.stringify(reply));
      const event = await alice.next((f) => f.type === "message" && f.msgid === reply.msgid);
      assert.equal(event.text, text);
    });

    await t.step("a frame split across two writes with a pause between them", async () => {
      await bob.writeRaw('{"type":"ping",');
      await new Promise((r) => setTimeout(r, 50));
      await bob.writeRaw('"id":"half"}\n');
      assert.equal((await bob.next((f) => f.id === "half")).type, "ok");
    });

    await t.step("100 frames in one write are all answered", async () => {
      let batch = "";
      for (let i = 0; i < 100; i++) {
        batch += JSON.stringify({ type: "ping", id: `many-${i}` }) + "\n";
      }
      await alice.writeRaw(batch);
      const ids = Array.from({ length: 100 }, (_, i) => `many-${i}`);
      for (const reply of await repliesTo(alice, ids)) assert.equal(reply.type, "ok");
    });

    await t.step("a write that ends one frame and starts the next", async () => {
      await alice.writeRaw('{"type":"ping","id":"j1"}\n{"type":"pi');
      await alice.next((f) => f.id === "j1");
      await alice.writeRaw('ng","id":"j2"}\n');
      assert.equal((await alice.next((f) => f.id === "j2")).type, "ok");
    });

    await t.step("frames ended by \\r\\n are accepted", async () => {
      await alice.writeRaw('{"type":"ping","id":"crlf1"}\r\n{"type":"ping","id":"crlf2"}\r\n');
      assert.equal((await alice.next((f) => f.id === "crlf1")).type, "ok");
      assert.equal((await alice.next((f) => f.id === "crlf2")).type, "ok");
      const text = "windows";
      await alice.writeRaw(JSON.stringify({ type: "say", id: "crlf3", room, text }) + "\r\n");
      const reply = await alice.next((f) => f.id === "crlf3");
      const event = await bob.next((f) => f.type === "message" && f.msgid === reply.msgid);
      assert.equal(event.text, text);
    });

    await t.step("bad input invalid UTF-8 → bad_frame, and the connection stays open", async () => {
      const c = await FrameClient.connect(port);
      try {
        const head = encoder.encode('{"type":"ping","id":"utf","x":"');
        const tail = encoder.encode('"}\n');
        for (const bad of [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf0, 0x9f, 0x98]]) {
          const reply = await rawError(c, new Uint8Array([...head, ...bad, ...tail]));
          assert.equal(reply.code, "bad_frame");
          // The id could be read: the error carries it, as for any bad frame.
          assert.equal(reply.id, "utf");
          await c.ok({ type: "ping" });
        }
      } finally {
        c.close();
      }
    });

    await t.step("a frame of exactly 65,536 bytes is accepted", async () => {
      const c = await FrameClient.connect(port);
      try {
        await c.writeRaw(pingOfSize(7, 65_536) + "\n");
        assert.deepEqual(await c.next((f) => f.id === 7), { type: "ok", id: 7 });
        await c.writeRaw(pingOfSize(8, 65_536) + "\r\n");
        assert.deepEqual(await c.next((f) => f.id === 8), { type: "ok", id: 8 });
      } finally {
        c.close();
      }
    });

    await t.step("bad input a 65,537-byte frame → frame_too_large, then closed", async () => {
      const c = await FrameClient.connect(port);
      try {
        await c.writeRaw(pingOfSize(9, 65_537) + "\n");
        const error = await c.next((f) => f.type === "error");
        assert.equal(error.code, "frame_too_large");
        await c.closed;
      } finally {
        c.close();
      }
    });

    await t.step(
      "bad input a frame of 33,000 two-byte characters (66,000 bytes) → frame_too_large",
      async () => {
        const c = await FrameClient.connect(port);
        try {
          const frame = JSON.stringify({ type: "ping", id: 11, pad: "é".repeat(33_000) });
          assert.ok(frame.length < 65_536 && encoder.encode(frame).length > 65_536);
          await c.writeRaw(frame + "\n").catch(() => {});
          const error = await c.next((f) => f.type === "error");
          assert.equal(error.code, "frame_too_large");
          await c.closed;
        } finally {
          c.close();
        }
      },
    );

    await t.step("bad input a 70,000-byte line → frame_too_large, then closed", async () => {
      const c = await FrameClient.connect(port);
      try {
        await c.writeRaw(pingOfSize(10, 70_000) + "\n").catch(() => {});
        const error = await c.next((f) => f.type === "error");
        assert.equal(error.code, "frame_too_large");
        assert.equal(typeof error.message, "string");
        await c.closed;
        assert.equal(c.events("error").length, 1);
      } finally {
        c.close();
      }
    });

    await t.step(
      "bad input 70,000 bytes with no newline yet → frame_too_large, then closed",
      async () => {
        const c = await FrameClient.connect(port);
        try {
          await c.writeRaw("x".repeat(70_000)).catch(() => {}); // The server may close mid-write.
          const error = await c.next((f) => f.type === "error");
          assert.equal(error.code, "frame_too_large");
          await c.closed;
        } finally {
          c.close();
        }
      },
    );

    await t.step(
      "a client that half-closes after its requests still gets every answer",
      async () => {
        const c = await loggedIn(port, uniqueName("halfclose"));
        try {
          await c.ok({ type: "join", room });
          const say = JSON.stringify({ type: "say", id: "last", room, text: "last words" });
          await c.writeRaw(say + "\n" + JSON.stringify({ type: "ping", id: "bye" }) + "\n");
          await (c.conn as Deno.TcpConn).closeWrite();
          const [reply, bye] = await repliesTo(c, ["last", "bye"]);
          assert.equal(reply!.type, "ok", JSON.stringify(reply));
          assert.equal(bye!.type, "ok");
          const event = await alice.next((f) => f.type === "message" && f.msgid === reply!.msgid);
          assert.equal(event.text, "last words");
          await c.closed;
        } finally {
          c.close();
        }
      },
    );

    await t.step(
      "bad input a half-sent frame then a disconnect: the server keeps serving others",
      async () => {
        const quitter = await loggedIn(port, uniqueName("quitter"));
        await quitter.ok({ type: "join", room });
        await quitter.writeRaw(
          `{"type":"say","id":"lost","room":${JSON.stringify(room)},"text":"never fin`,
        );
        quitter.close();
        const reply = await bob.ok({ type: "say", room, text: "still here" });
        await alice.next((f) => f.type === "message" && f.msgid === reply.msgid);
        const fresh = await FrameClient.connect(port);
        try {
          await fresh.ok({ type: "ping" });
        } finally {
          fresh.close();
        }
        const history = await alice.ok({ type: "history", room, limit: 5 });
        const texts = (history.messages as { text: string }[]).map((m) => m.text);
        assert.equal(texts.some((t) => t.startsWith("never fin")), false);
      },
    );
  } finally {
    closeAll(alice, bob);
    await server.cleanup();
  }
});
