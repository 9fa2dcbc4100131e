/**
 * Fuzzing over a real socket: random bytes, random JSON, deeply nested JSON, huge numbers
 * and wrong types sent to a running server. Each gets an answer (`bad_frame`,
 * `unknown_type` or the request's own reply), never `internal`; the connection stays open
 * and other clients keep being served. Frames over the limit and clients vanishing
 * mid-frame are closed cleanly.
 */
import { equal, notEqual, ok } from "node:assert/strict";
import fc from "../deps/fast_check.ts";
import { ERROR_MESSAGES } from "../../lib/protocol/error_codes.ts";
import { REQUEST_SCHEMAS } from "../../lib/protocol/requests.ts";
import { FrameClient } from "../support/frame_client.ts";
import { startServer } from "../support/server_process.ts";
import { RawPeer, waitFor } from "../hardening/support.ts";

const encoder = new TextEncoder();

/** Request types worth fuzzing (not `logout`, which closes on purpose), plus unknown ones. */
const TYPES = [...Object.keys(REQUEST_SCHEMAS).filter((t) => t !== "logout"), "Ping", "", "x"];

const nested = fc.integer({ min: 1, max: 20_000 }).map((depth) =>
  "[".repeat(depth) + "1" + "]".repeat(depth)
);
const hugeNumber = fc.constantFrom("1e400", "-1e400", "18446744073709551617", "0.0000001e-400");

/** One line of random content (never a newline inside). */
const fuzzLine: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 2_000 }).map((b) => b.map((x) => (x === 0x0a ? 0x20 : x))),
  fc.jsonValue({ maxDepth: 5 }).map((v) => encoder.encode(JSON.stringify(v) ?? "null")),
  fc.record({
    type: fc.constantFrom(...TYPES),
    id: fc.oneof(fc.integer(), fc.string({ maxLength: 20 }), fc.jsonValue({ maxDepth: 2 })),
    room: fc.oneof(fc.string({ maxLength: 70 }), fc.jsonValue({ maxDepth: 2 })),
    text: fc.oneof(fc.string({ maxLength: 100 }), fc.jsonValue({ maxDepth: 2 })),
    limit: fc.oneof(fc.integer(), fc.double()),
  }, { requiredKeys: ["type"] }).map((r) => encoder.encode(JSON.stringify(r))),
  fc.tuple(fc.constantFrom(...TYPES), nested).map(([type, deep]) =>
    encoder.encode(`{"type":"${type}","id":7,"room":${deep}}`)
  ),
  nested.map((deep) => encoder.encode(`{"type":"ping","id":8,"x":${deep}}`)),
  nested.map((deep) => encoder.encode(deep.slice(0, -1))),
  hugeNumber.map((n) =>
    encoder.encode(`{"type":"history","id":${n},"room":"general","limit":${n}}`)
  ),
);

/** Codes a fuzzed request may get: any protocol answer but a server failure or a close. */
const CLOSING = new Set(["internal", "too_many_errors", "frame_too_large", "timeout"]);

Deno.test("fuzz socket: random bytes, JSON, nesting and huge numbers are answered, connection stays open", async () => {
  const server = await startServer();
  const fuzzer = await FrameClient.connect(server.port);
  const bystander = await FrameClient.connect(server.port);
  try {
    await bystander.registerAndLogin("bystander");
    await bystander.ok({ type: "join", room: "general" });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fuzzLine, async (line) => {
        const sentinel = `sentinel-${run++}`;
        const from = fuzzer.received.length;
        await fuzzer.writeRaw(line);
        await fuzzer.writeRaw(`\n{"type":"ping","id":"${sentinel}"}\n`);
        await fuzzer.next((f) => f.type === "ok" && f.id === sentinel, 10_000);
        for (const frame of fuzzer.received.slice(from)) {
          if (frame.type !== "error") continue;
          ok(Object.hasOwn(ERROR_MESSAGES, frame.code as string), `known code ${frame.code}`);
          ok(!CLOSING.has(frame.code as string), `no failure: ${JSON.stringify(frame)}`);
          equal(typeof frame.message, "string");
        }
        equal(fuzzer.isClosed, false);
      }),
      { numRuns: 250 },
    );
    // Everyone else was served all along.
    const said = await bystander.ok({ type: "say", room: "general", text: "still here" });
    await bystander.next((f) => f.type === "message" && f.msgid === said.msgid);
    ok(!server.log().includes("request_failed"), "no request failed inside the server");
  } finally {
    fuzzer.close();
    bystander.close();
    await server.cleanup();
  }
});

Deno.test("fuzz socket: bad input 21 random bad frames in a row close with too_many_errors", async () => {
  const server = await startServer();
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 200 }), { minLength: 21, maxLength: 40 }),
        async (lines) => {
          const client = await FrameClient.connect(server.port);
          try {
            // Leading "#" makes every line invalid JSON whatever follows.
            const bad = lines.map((b) => [0x23, ...b.map((x) => (x === 0x0a ? 0x20 : x))]);
            await client.writeRaw(new Uint8Array(bad.flatMap((b) => [...b, 0x0a])));
            await client.closed;
            const errors = client.received.filter((f) => f.type === "error");
            equal(errors.length, 21);
            equal(errors.slice(0, 20).every((f) => f.code === "bad_frame"), true);
            equal(errors[20]!.code, "too_many_errors");
          } finally {
            client.close();
          }
        },
      ),
      { numRuns: 15 },
    );
    const after = await FrameClient.connect(server.port);
    await after.ok({ type: "ping" });
    after.close();
  } finally {
    await server.cleanup();
  }
});

Deno.test("fuzz socket: bad input random frames over the limit close with frame_too_large", async () => {
  const server = await startServer({ args: ["--max-frame", "2048"] });
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 2_050, maxLength: 6_000 }),
        fc.boolean(),
        async (bytes, withNewline) => {
          const client = await FrameClient.connect(server.port);
          try {
            const body = bytes.map((x) => (x === 0x0a ? 0x20 : x));
            await client.writeRaw(withNewline ? new Uint8Array([...body, 0x0a]) : body)
              .catch(() => {}); // The server may close before it has read everything.
            const error = await client.next((f) => f.type === "error");
            equal(error.code, "frame_too_large");
            await client.closed;
          } finally {
            client.close();
          }
        },
      ),
      { numRuns: 10 },
    );
  } finally {
    await server.cleanup();
  }
});

Deno.test("fuzz socket: bad input clients vanishing mid-frame are forgotten, others keep chatting", async () => {
  const server = await startServer({ args: ["--log-format", "json"] });
  const stayer = await FrameClient.connect(server.port);
  try {
    await stayer.registerAndLogin("stayer");
    await stayer.ok({ type: "join", room: "general" });
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 500 }), async (text) => {
        const peer = await RawPeer.connect(server.port);
        await waitFor("welcome", () => peer.frames.length > 0);
        const frame = JSON.stringify({ type: "say", id: 1, room: "general", text });
        await peer.write(frame.slice(0, Math.max(1, frame.length >> 1)));
        peer.destroy();
        await peer.closed;
      }),
      { numRuns: 30 },
    );
    const said = await stayer.ok({ type: "say", room: "general", text: "after the vanishing" });
    notEqual(said.msgid, undefined);
    await waitFor("every vanished client logged as closed", () => {
      const closed = server.log().split("\n").filter((l) => l.includes('"connection_closed"'));
      return closed.length >= 30;
    });
  } finally {
    stayer.close();
    await server.cleanup();
  }
});
