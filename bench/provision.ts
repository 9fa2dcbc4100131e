/**
 * Fresh databases for benchmark runs, filled with the accounts and rooms a scenario needs.
 *
 * Accounts get a deliberately cheap argon2id hash (8 KiB, one pass): 10,000 logins at the
 * server's real cost would measure password hashing for minutes, not chat. The server
 * verifies whatever parameters a stored hash names, so nothing in it changes.
 */
import { hash } from "@node-rs/argon2";
import { foldName } from "../lib/protocol/names.ts";
import { openStore } from "../lib/store/open_store.ts";
import { createTestDatabase } from "../tests/support/mysql_db.ts";

/** The password of every benchmark account. */
export const BENCH_PASSWORD = "bench-password";

/** Which database a FastChat run stores into. */
export type StoreKind = "sqlite" | "mysql";

/** A database for one run: its `--db` value and how to remove it. */
export interface BenchDatabase {
  db: string;
  drop(): Promise<void>;
}

/** Name of benchmark account `i`. */
export function userName(i: number): string {
  return `b${String(i).padStart(5, "0")}`;
}

/** Name of benchmark room `i`. */
export function roomName(i: number): string {
  return `r${String(i).padStart(4, "0")}`;
}

/** Creates an empty database of the given kind. */
export async function freshDatabase(
  kind: StoreKind,
  mysqlAdminUrl: string,
): Promise<BenchDatabase> {
  if (kind === "mysql") {
    const database = await createTestDatabase({ adminUrl: mysqlAdminUrl });
    return { db: database.url, drop: database.drop };
  }
  const dir = await Deno.makeTempDir({ prefix: "fastchat-bench-" });
  return {
    db: `sqlite:${dir}/bench.db`,
    drop: () => Deno.remove(dir, { recursive: true }).catch(() => {}),
  };
}

/** Adds `users` accounts and `rooms` rooms (named by {@linkcode userName}, {@linkcode roomName}). */
export async function provision(db: string, users: number, rooms: number): Promise<void> {
  const passwordHash = await hash(BENCH_PASSWORD, {
    algorithm: 2,
    memoryCost: 8,
    timeCost: 1,
    parallelism: 1,
  });
  const store = await openStore(db);
  try {
    const createdAt = Date.now();
    for (let i = 0; i < users; i++) {
      const name = userName(i);
      await store.createUser({ name, nameKey: foldName(name), passwordHash, createdAt });
    }
    for (let i = 0; i < rooms; i++) {
      const name = roomName(i);
      await store.createRoom({ name, nameKey: foldName(name), topic: null, createdAt });
    }
  } finally {
    await store.close();
  }
}
