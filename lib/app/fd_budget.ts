/**
 * File descriptor headroom: every connection costs a descriptor, and a process that runs
 * out of them cannot accept, open files or reach its database. The chat connection cap is
 * lowered when it would not leave room for the admin connections and the server's own
 * files under the process's soft limit (`ulimit -n`).
 */
import { DEFAULT_ADMIN_CONNECTIONS, FDS_PER_ADMIN_CONNECTION } from "../admin/listener.ts";

/** Descriptors kept for everything but connections: stdio, the database, timers, add-ons. */
export const BASE_RESERVE = 64;

/** The outcome, for the startup log. */
export interface FdBudget {
  /** The soft limit read at start, or null where it cannot be read (not Linux). */
  softLimit: number | null;
  /** Descriptors kept free of chat connections. */
  reserve: number;
  /** The configured `--max-connections` (null = off). */
  configured: number | null;
  /** The cap to use; lower than `configured` when the limit requires it. */
  effective: number | null;
  /** Whether `effective` was lowered. */
  lowered: boolean;
}

/**
 * Reads the soft limit on open files (`ulimit -n`) with `getrlimit(RLIMIT_NOFILE)` through
 * FFI (the server already needs `--allow-ffi`; Deno refuses `/proc/self/limits` to anything
 * less than `--allow-all`). Null where it cannot be read (Windows, no libc, no permission).
 */
export function readSoftFdLimit(): number | null {
  const where = Deno.build.os === "linux"
    ? { libs: ["libc.so.6", "libc.musl-x86_64.so.1", "libc.musl-aarch64.so.1"], nofile: 7 }
    : Deno.build.os === "darwin"
    ? { libs: ["libSystem.dylib"], nofile: 8 }
    : null;
  if (!where) return null;
  for (const name of where.libs) {
    let lib;
    try {
      lib = Deno.dlopen(name, { getrlimit: { parameters: ["i32", "buffer"], result: "i32" } });
    } catch {
      continue;
    }
    try {
      const limits = new BigUint64Array(2);
      if (lib.symbols.getrlimit(where.nofile, limits) !== 0) return null;
      const soft = limits[0]!;
      return soft >= BigInt(Number.MAX_SAFE_INTEGER) ? null : Number(soft);
    } finally {
      lib.close();
    }
  }
  return null;
}

/** Admin connections kept even under a very low limit. */
const MIN_ADMIN_CONNECTIONS = 4;

/** The admin connection cap for a soft limit: 64, or fewer under a low limit (at least 4). */
export function adminConnectionCap(softLimit: number | null): number {
  return softLimit === null ? DEFAULT_ADMIN_CONNECTIONS : Math.max(
    MIN_ADMIN_CONNECTIONS,
    Math.min(DEFAULT_ADMIN_CONNECTIONS, Math.floor(softLimit / 16)),
  );
}

/** Lowers `maxConnections` so that chat and admin connections fit under `softLimit`. */
export function fdBudget(
  maxConnections: number | null,
  adminConnections: number,
  softLimit: number | null,
): FdBudget {
  const reserve = BASE_RESERVE + adminConnections * FDS_PER_ADMIN_CONNECTION;
  if (softLimit === null) {
    return {
      softLimit,
      reserve,
      configured: maxConnections,
      effective: maxConnections,
      lowered: false,
    };
  }
  const room = Math.max(1, softLimit - reserve);
  const lowered = maxConnections === null || maxConnections > room;
  return {
    softLimit,
    reserve,
    configured: maxConnections,
    effective: lowered ? room : maxConnections,
    lowered,
  };
}
