/** The in-memory connection pair behaves like a socket where the server relies on it. */
import assert from "node:assert/strict";
import { MemoryListener, memoryPair, PIPE_CAPACITY } from "./memory_pair.ts";

const text = new TextEncoder();

async function readAll(conn: { read(b: Uint8Array): Promise<number | null> }): Promise<string> {
  const buffer = new Uint8Array(7);
  let out = "";
  const decoder = new TextDecoder();
  while (true) {
    const n = await conn.read(buffer);
    if (n === null) return out + decoder.decode();
    out += decoder.decode(buffer.subarray(0, n), { stream: true });
  }
}

Deno.test("memory pair: bytes arrive in order, split and merged by the reader's buffer", async () => {
  const { client, server } = memoryPair();
  await client.write(text.encode("hello "));
  await client.write(text.encode("world, in order"));
  await client.closeWrite();
  assert.equal(await readAll(server), "hello world, in order");
});

Deno.test("memory pair: a written buffer may be reused at once (the pipe copies)", async () => {
  const { client, server } = memoryPair();
  const bytes = text.encode("abc");
  await client.write(bytes);
  bytes.fill(0x7a);
  await client.closeWrite();
  assert.equal(await readAll(server), "abc");
});

Deno.test("memory pair: a half-close ends one direction; the other still works", async () => {
  const { client, server } = memoryPair();
  await client.write(text.encode("question"));
  await client.closeWrite();
  assert.equal(await readAll(server), "question");
  await server.write(text.encode("answer"));
  server.close();
  assert.equal(await readAll(client), "answer");
});

Deno.test("memory pair: writes wait while the reader has a full buffer unread", async () => {
  const { client, server } = memoryPair();
  await server.write(new Uint8Array(PIPE_CAPACITY));
  let done = false;
  const blocked = server.write(new Uint8Array(10)).then(() => done = true);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(done, false, "a write past the capacity waits for the reader");
  await client.read(new Uint8Array(1024));
  await blocked;
  assert.equal(done, true);
});

Deno.test("memory pair: bad input writes to a closed peer fail, reads after a local close fail", async () => {
  const { client, server } = memoryPair();
  client.close();
  assert.equal(await server.read(new Uint8Array(8)), null, "the peer reads end of input");
  await assert.rejects(() => server.write(text.encode("x")), Deno.errors.BrokenPipe);
  await assert.rejects(() => client.read(new Uint8Array(8)), Deno.errors.BadResource);
  assert.throws(() => client.close(), Deno.errors.BadResource);
});

Deno.test("memory pair: a pending read fails when its own end is closed", async () => {
  const { client } = memoryPair();
  const pending = client.read(new Uint8Array(8));
  client.close();
  await assert.rejects(() => pending, Deno.errors.BadResource);
});

Deno.test("memory listener: accepts dialled ends with the dialler's address; closed, it refuses", async () => {
  const listener = new MemoryListener(1);
  const early = listener.dial("127.0.0.2");
  const accepted = await listener.accept();
  assert.equal(accepted.remoteAddr.hostname, "127.0.0.2");
  await early.write(text.encode("hi"));
  await early.closeWrite();
  assert.equal(await readAll(accepted), "hi");
  const pending = listener.accept();
  listener.close();
  await assert.rejects(() => pending, Deno.errors.BadResource);
  assert.throws(() => listener.dial(), Deno.errors.ConnectionRefused);
});
