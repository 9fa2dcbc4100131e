/** Fixtures and helpers shared by the Store contract's cases. */
import assert from "node:assert/strict";
import type { NewMessage, Store, UserRecord } from "../../lib/store/store.ts";
import type { OpenedStore } from "./store_contract.ts";

/** What every case starts with: three users and two rooms. */
export interface Fixture {
  store: Store;
  alice: UserRecord;
  bob: UserRecord;
  carol: UserRecord;
  lobby: number;
  dev: number;
  opened: OpenedStore;
}

/** A fixed time (ms). */
export const T0 = 1_700_000_000_000;

/** Creates a user whose name key is its lowercased name. */
export async function user(store: Store, name: string): Promise<UserRecord> {
  const record = await store.createUser({
    name,
    nameKey: name.toLowerCase(),
    passwordHash: `hash-of-${name}`,
    createdAt: T0,
  });
  assert.ok(record, `user ${name} created`);
  return record;
}

/** Creates a room; resolves to its id. */
export async function room(store: Store, name: string): Promise<number> {
  const record = await store.createRoom({
    name,
    nameKey: name.toLowerCase(),
    topic: null,
    createdAt: T0,
  });
  assert.ok(record, `room ${name} created`);
  return record.id;
}

/** A room message. */
export function say(seq: number, roomId: number, sender: UserRecord, cid: string | null = null) {
  return {
    seq,
    roomId,
    senderId: sender.id,
    recipientId: null,
    text: `message ${seq}`,
    ts: T0 + seq,
    cid,
  } satisfies NewMessage;
}

/** A direct message. */
export function dm(seq: number, from: UserRecord, to: UserRecord, cid: string | null = null) {
  return {
    seq,
    roomId: null,
    senderId: from.id,
    recipientId: to.id,
    text: `dm ${seq}`,
    ts: T0 + seq,
    cid,
  } satisfies NewMessage;
}

/** The seqs of a page. */
export const seqs = (page: { messages: { seq: number }[] }) => page.messages.map((m) => m.seq);
/** The integers from `from` to `to`. */
export const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** A named contract case. */
export type Case = [name: string, run: (f: Fixture) => Promise<void>];
