/**
 * Helpers of the protocol conformance suite: the server under test, unique names, logged-in
 * clients, reply assertions, history paging and the admin API (for moderation states).
 *
 * {@linkcode startServer} runs the server as a subprocess over TCP, or in this process over
 * in-memory connections when `FASTCHAT_TEST_TRANSPORT=memory` (the test runner's SQLite
 * pass): the same server code either way, only the socket differs. Files about the wire
 * itself (framing, close semantics, timeouts, TLS, signals) start `server_process.ts`
 * directly and always use TCP.
 */
import assert from "node:assert/strict";
import { type Frame, FrameClient } from "../support/frame_client.ts";
import { startInProcessServer, type TestServer } from "../support/in_process.ts";
import {
  type StartOptions,
  startServer as startProcess,
  usingMysql,
} from "../support/server_process.ts";
import { waitFor } from "../support/wait.ts";

export type { TestServer };
export { waitFor };

/** Whether servers of this run are in-process (`FASTCHAT_TEST_TRANSPORT=memory`, SQLite only). */
export function inProcess(): boolean {
  return Deno.env.get("FASTCHAT_TEST_TRANSPORT") === "memory" && !usingMysql();
}

/** Starts the server under test: in this process when {@linkcode inProcess}, else a subprocess. */
export function startServer(options: StartOptions = {}): Promise<TestServer> {
  return inProcess() ? startInProcessServer(options) : startProcess(options);
}

/** The password every test account uses unless a test says otherwise. */
export const PASSWORD = "correct horse battery";

/** The admin token the suite's servers accept (`FASTCHAT_ADMIN_TOKEN`). */
export const ADMIN_TOKEN = "conformance-admin-token";

/** An ISO 8601 UTC time with milliseconds, as the contract requires for `ts`. */
export const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

let _counter = 0;
const _run = crypto.getRandomValues(new Uint32Array(1))[0]!.toString(36).slice(0, 4);

/** A user or room name unused so far in this process: `prefix`, a run tag and a counter. */
export function uniqueName(prefix: string): string {
  _counter++;
  const name = `${prefix}_${_run}${_counter}`;
  if (name.length > 32) throw new RangeError(`Name prefix is too long: ${prefix}`);
  return name;
}

/** Connects, registers `user` (a fresh name by default) and logs in. */
export async function loggedIn(
  port: number,
  user = uniqueName("u"),
): Promise<FrameClient & { user: string }> {
  const client = await FrameClient.connect(port);
  await client.ok({ type: "register", user, password: PASSWORD });
  await client.ok({ type: "login", user, password: PASSWORD });
  return Object.assign(client, { user });
}

/** Connects a second (third…) session of an existing account. */
export async function anotherSession(
  port: number,
  user: string,
): Promise<FrameClient & { user: string }> {
  const client = await FrameClient.connect(port);
  await client.ok({ type: "login", user, password: PASSWORD });
  return Object.assign(client, { user });
}

/**
 * Asserts that `reply` is an `error` with `code`, echoing `id` when given, and carrying a
 * non-empty sentence in `message`.
 */
export function assertError(reply: Frame, code: string, id?: string | number): void {
  assert.equal(reply.type, "error", `expected error ${code}, got ${JSON.stringify(reply)}`);
  assert.equal(reply.code, code, `expected error ${code}, got ${JSON.stringify(reply)}`);
  if (id !== undefined) assert.equal(reply.id, id);
  assert.equal(typeof reply.message, "string");
  assert.ok((reply.message as string).length > 0, "error message is empty");
}

/** Sends `frame` and asserts that the reply is the error `code`. */
export async function expectError(
  client: FrameClient,
  frame: Record<string, unknown>,
  code: string,
): Promise<Frame> {
  const reply = await client.request(frame);
  assertError(reply, code);
  return reply;
}

/** Sends raw bytes and returns the next `error` frame (a bad frame has no usable id). */
export async function rawError(client: FrameClient, raw: string | Uint8Array): Promise<Frame> {
  await client.writeRaw(raw);
  return await client.next((f) => f.type === "error");
}

/** Closes every client (idempotent, never throws). */
export function closeAll(...clients: (FrameClient | undefined)[]): void {
  for (const client of clients) client?.close();
}

/** Creates a room with a fresh name and joins it; returns the room's name. */
export async function freshRoom(client: FrameClient, prefix = "room"): Promise<string> {
  const room = uniqueName(prefix);
  await client.ok({ type: "create_room", room });
  await client.ok({ type: "join", room });
  return room;
}

/** Says `count` numbered messages in `room`, one at a time; returns their msgids. */
export async function sayMany(
  client: FrameClient,
  room: string,
  count: number,
  label = "m",
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const reply = await client.ok({ type: "say", room, text: `${label}${i}` });
    ids.push(reply.msgid as string);
  }
  return ids;
}

/**
 * Waits for the replies (`ok` or `error`) to requests `ids`, whatever order they arrive in,
 * and returns them in the order of `ids`.
 */
export async function repliesTo(
  client: FrameClient,
  ids: readonly (string | number)[],
  timeoutMs = 30_000,
): Promise<Frame[]> {
  const wanted = new Set(ids);
  const found = new Map<string | number, Frame>();
  await waitFor(`replies to ${ids.length} requests`, () => {
    for (const frame of client.received) {
      const id = frame.id as string | number;
      if ((frame.type === "ok" || frame.type === "error") && wanted.has(id)) found.set(id, frame);
    }
    if (client.isClosed && found.size < wanted.size) {
      throw new Error(`Connection closed after ${found.size} of ${ids.length} replies`);
    }
    return found.size === wanted.size;
  }, timeoutMs);
  return ids.map((id) => found.get(id)!);
}

/**
 * Says `count` numbered messages in `room`, all written at once (pipelined), and waits for
 * every `ok`; returns their msgids in sending order.
 */
export async function sayPipelined(
  client: FrameClient,
  room: string,
  count: number,
  label = "m",
): Promise<string[]> {
  const tag = uniqueName("p");
  let batch = "";
  for (let i = 0; i < count; i++) {
    batch += JSON.stringify({ type: "say", id: `${tag}-${i}`, room, text: `${label}${i}` }) + "\n";
  }
  await client.writeRaw(batch);
  const replies = await repliesTo(client, Array.from({ length: count }, (_, i) => `${tag}-${i}`));
  return replies.map((reply) => {
    assert.equal(reply.type, "ok", JSON.stringify(reply));
    return reply.msgid as string;
  });
}

/** Every message of a room (or of a `with` conversation), oldest first, paging backwards. */
export async function fullHistory(
  client: FrameClient,
  query: { room: string } | { with: string },
): Promise<Frame[]> {
  const pages: Frame[][] = [];
  let before: string | undefined;
  for (let n = 0; n < 1_000; n++) {
    const page = await client.ok({ type: "history", ...query, before, limit: 200 });
    const messages = page.messages as Frame[];
    pages.unshift(messages);
    if (page.more !== true || messages.length === 0) return pages.flat();
    before = messages[0]!.msgid as string;
  }
  throw new Error("History did not end within 1,000 pages");
}

/** Asserts that `msgids` strictly increase as plain strings. */
export function assertSortedMsgids(msgids: readonly string[]): void {
  for (let i = 1; i < msgids.length; i++) {
    assert.ok(
      msgids[i - 1]! < msgids[i]!,
      `msgid ${msgids[i]} does not sort after ${msgids[i - 1]} (position ${i})`,
    );
  }
}

/** Calls the admin HTTP API with the suite's bearer token; returns the status and JSON body. */
export async function admin(
  adminPort: number,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`http://127.0.0.1:${adminPort}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === "" ? null : JSON.parse(text) };
}
