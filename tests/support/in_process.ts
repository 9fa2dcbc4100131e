/**
 * The chat server in the test's own process, started by the same `start` as `server.ts`
 * (configuration parsing, store, `ChatServer`, dispatch, admin API), on a fresh SQLite `:memory:` database
 * (or the `db` given, e.g. `sqlite:PATH`; MySQL runs use `server_process.ts`), with in-memory connections instead of a chat socket. Clients reach it
 * through its memory port (see `endpoints.ts`); the admin API listens on a real loopback
 * port, as in production.
 *
 * What only a real socket or process shows stays with `server_process.ts`: framing on the
 * wire, TLS, timeouts of a stalled socket, close and reset semantics, signals, `kill -9`.
 */
import { parseServerConfig } from "../../lib/app/config.ts";
import { start } from "../../lib/app/start.ts";
import { createLogger } from "../../lib/common/log.ts";
import { openStore } from "../../lib/store/open_store.ts";
import type { Store } from "../../lib/store/store.ts";
import denoJson from "../../deno.json" with { type: "json" };
import { registerMemoryEndpoint, unregisterMemoryEndpoint } from "./endpoints.ts";
import { MemoryListener } from "./memory_pair.ts";
import type { StartOptions } from "./server_process.ts";

/** What a test needs of a running server, whichever way it runs. */
export interface TestServer {
  /** The chat port to connect to (a memory port for an in-process server). */
  port: number;
  adminPort: number;
  /** The database; pass it as `db` to a second start to reuse the data. */
  db: string;
  /** Everything logged so far. */
  log(): string;
  /** Stops the server; returns the exit code a process would have (0 when clean). */
  stop(signal?: Deno.Signal): Promise<number>;
  /** Stops the server (if running) and deletes its database. */
  cleanup(): Promise<void>;
}

/** The `db` prefix of an in-memory database kept for a restart in the same test. */
const MEMORY_DB = "memory:";

/** Open in-memory stores by their `db` value, with how many servers use each. */
const _memoryStores = new Map<string, { store: Store; users: number }>();
let _nextMemoryDb = 1;

/** A store for `db` (a fresh `:memory:` one when undefined) and how to let it go. */
async function _openStore(
  db: string | undefined,
): Promise<{ db: string; store: Store; release(): Promise<void> }> {
  if (db === undefined) {
    db = `${MEMORY_DB}${_nextMemoryDb++}`;
    _memoryStores.set(db, { store: await openStore("sqlite::memory:"), users: 0 });
  }
  const shared = _memoryStores.get(db);
  if (!shared) {
    const store = await openStore(db);
    return { db, store, release: () => store.close() };
  }
  shared.users++;
  return {
    db,
    store: shared.store,
    release: async () => {
      if (--shared.users > 0) return;
      _memoryStores.delete(db);
      await shared.store.close();
    },
  };
}

/**
 * Starts a server in this process with `startServer`'s options and defaults (rate limits
 * off unless `limits`; `args` and `env` parsed as `server.ts` parses them).
 *
 * A memory database lives, like a file, after its server stops, until every server started
 * on it is cleaned up: a test can stop a server and start another with its `db`.
 */
export async function startInProcessServer(options: StartOptions = {}): Promise<TestServer> {
  const limits = options.limits
    ? []
    : ["--msg-rate", "off", "--conn-limit", "off", "--conn-rate", "off", "--auth-rate", "off"];
  const config = parseServerConfig(
    ["--host", "127.0.0.1", "--admin-port", "0", ...limits, ...(options.args ?? [])],
    { FASTCHAT_ADMIN_PASSWORD: "test-admin-password", ...options.env },
  );
  const opened = await _openStore(options.db);
  let logText = "";
  const log = createLogger(config.logFormat, (line) => void (logText += line + "\n"));
  const listener = new MemoryListener(0);
  // `start` serves it with `ChatServer.serve`, which uses accept, close and addr only: the
  // methods a MemoryListener has.
  const chatListener = listener as unknown as Deno.Listener;
  const started = await start({
    settings: config,
    version: denoJson.version,
    adminAssets: null,
    adminPassword: config.adminPassword,
    adminToken: config.adminToken,
    log,
    print: () => {},
    chatListener,
    // The store outlives the server, like a database file: released by `cleanup`.
    store: { store: opened.store, release: () => Promise.resolve() },
  });
  if ("error" in started) {
    await opened.release();
    throw new Error(`In-process server did not start: ${started.error}`);
  }
  const port = registerMemoryEndpoint((hostname) => listener.dial(hostname));
  const stopped = started.finished.then(() => unregisterMemoryEndpoint(port));
  const stop = async () => {
    await started.stop();
    await stopped;
    return 0;
  };
  return {
    port,
    adminPort: started.adminPort,
    db: opened.db,
    log: () => logText,
    stop,
    async cleanup() {
      await stop();
      await opened.release();
    },
  };
}
