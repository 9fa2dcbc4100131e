/**
 * Starts a whole server from resolved settings: opens the store, binds both ports (before
 * the admin password is shown once, so that a busy port never costs it), sets the
 * connection cap under the open-file limit, creates the chat server and the admin handler,
 * serves both, logs `started` and prints the `fastchat listening` line. Used by
 * `server.ts`; tests and embedders call it the same way. Signals are the caller's to wire
 * (`onStopSignals`), so that a test can run several servers in one process.
 */
import type { AdminListener } from "../admin/listener.ts";
import { createAdminHandler } from "../admin/handler.ts";
import { ensureAdminPassword, resetAdminPassword } from "../admin/password_setup.ts";
import type { AdminAssets } from "../admin/static_assets.ts";
import { createLogger, type Logger } from "../common/log.ts";
import type { Clock } from "../common/rate_limit.ts";
import { ServerControl } from "../server/admin_control.ts";
import { ChatServer } from "../server/chat_server.ts";
import { openStore } from "../store/open_store.ts";
import type { Store } from "../store/store.ts";
import { StoreConfigError } from "../store/store_config_error.ts";
import type { ServerSettings } from "./config.ts";
import { serverEn } from "../i18n/catalogs/server.en.ts";
import { serverTexts } from "../i18n/server_texts.ts";
import { adminConnectionCap, fdBudget, readSoftFdLimit } from "./fd_budget.ts";
import { bindAdmin, listenChat } from "./listeners.ts";
import { holdIdleCollector } from "../common/idle_collector.ts";
import type { JoinedCluster } from "../cluster/cluster.ts";

/** The message every connection gets when the server is stopped by {@linkcode RunningServer.stop}. */
/** The English default of the warning a stopping server sends (`--lang` translates it). */
export const STOP_MESSAGE = serverEn["server.shutdown"];

/** A store opened by the caller, and how to let it go when the server has stopped. */
export interface OpenedStore {
  store: Store;
  release(): Promise<void>;
}

/** What {@linkcode start} needs. */
export interface StartOptions {
  settings: ServerSettings;
  /** The version announced in the `welcome` and logged. */
  version: string;
  /** The admin page's files (`server.ts` passes `admin_ui/bundle.gen.ts`); null: API only. */
  adminAssets: AdminAssets | null;
  /** `FASTCHAT_ADMIN_PASSWORD`; null or absent: keep the stored one or generate one. */
  adminPassword?: string | null;
  /** `FASTCHAT_ADMIN_TOKEN`; null or absent: no bearer token. */
  adminToken?: string | null;
  /** Where the log goes (default: stderr in `settings.logFormat`). */
  log?: Logger;
  /** Where the lines for the operator go: the generated password, `fastchat listening`. */
  print?: (line: string) => void;
  clock?: Clock;
  /** A listener to serve instead of binding `settings.host:port` (in-process tests). */
  chatListener?: Deno.Listener;
  /** A store to use instead of opening `settings.db`. */
  store?: OpenedStore;
}

/** A started server. */
export interface RunningServer {
  /** The bound ports (useful when the settings asked for port 0). */
  chatPort: number;
  adminPort: number;
  server: ChatServer;
  store: Store;
  log: Logger;
  /**
   * Warns every connection, stops after `delaySeconds` (default 0) and resolves with
   * {@linkcode finished}. What SIGINT and SIGTERM do.
   */
  stop(message?: string, delaySeconds?: number): Promise<void>;
  /** Resolves when everything is closed: chat, admin and store (after any shutdown). */
  finished: Promise<void>;
}

/** Why a server did not start (a store or port problem): one line; exit code 2. */
export interface StartFailure {
  error: string;
}

/** Opens `db`, logging each failed try of an unreachable MySQL server. */
async function openConfiguredStore(db: string, log: Logger): Promise<OpenedStore | StartFailure> {
  try {
    const store = await openStore(db, {
      onRetry: (line) => log.log("warn", "store_unreachable", { detail: line }),
    });
    return { store, release: () => store.close() };
  } catch (error) {
    if (error instanceof StoreConfigError) return { error: error.message };
    throw error;
  }
}

/** `--reset-admin-password`: prints a new admin password and closes the store. */
export async function resetAdminPasswordOf(
  settings: ServerSettings,
  print: (line: string) => void = console.log,
  log: Logger = createLogger(settings.logFormat),
): Promise<StartFailure | null> {
  const opened = await openConfiguredStore(settings.db, log);
  if ("error" in opened) return opened;
  try {
    await resetAdminPassword(opened.store, print);
  } finally {
    await opened.release();
  }
  return null;
}

/** Binds the chat listener (unless given) and the admin listener; closes both on failure. */
async function bindBoth(
  options: StartOptions,
  adminCap: number,
  log: Logger,
): Promise<{ chat: Deno.Listener; admin: AdminListener } | StartFailure> {
  let chat: Deno.Listener | undefined;
  try {
    chat = options.chatListener ?? await listenChat(options.settings);
    return { chat, admin: bindAdmin(options.settings, adminCap, log) };
  } catch (error) {
    chat?.close();
    return { error: (error as Error).message };
  }
}

/** This instance's name: `--instance`, or the host name and chat port. */
export function instanceName(settings: ServerSettings, chatPort: number): string {
  if (settings.instance !== null) return settings.instance;
  let host = "localhost";
  try {
    host = Deno.hostname();
  } catch {
    // Without --allow-sys=hostname: the port alone tells instances of one host apart.
  }
  return `${host}:${chatPort}`;
}

/** Starts a server; a store or port problem is returned, anything else thrown. */
export async function start(options: StartOptions): Promise<RunningServer | StartFailure> {
  const { settings, version } = options;
  const log = options.log ?? createLogger(settings.logFormat);
  const print = options.print ?? ((line: string) => console.log(line));
  const opened = options.store ?? await openConfiguredStore(settings.db, log);
  if ("error" in opened) return opened;
  const { store } = opened;
  const softLimit = readSoftFdLimit();
  const adminCap = adminConnectionCap(softLimit);
  const bound = await bindBoth(options, adminCap, log);
  if ("error" in bound) {
    await opened.release();
    return bound;
  }
  const { chat, admin: adminListener } = bound;
  const chatPort = (chat.addr as Deno.NetAddr).port;
  let server: ChatServer;
  let cluster: JoinedCluster | null = null;
  try {
    await ensureAdminPassword(store, options.adminPassword ?? null, print);
    if (settings.cluster !== null) {
      // Loaded only here: one process never loads the NATS client.
      const { joinCluster } = await import("../cluster/cluster.ts");
      try {
        cluster = await joinCluster({
          servers: settings.cluster,
          clusterName: settings.clusterName,
          instance: instanceName(settings, chatPort),
          chat: `${settings.host}:${chatPort}`,
          db: settings.db,
          store,
          log,
          clock: options.clock ?? Date.now,
        });
      } catch (error) {
        chat.close();
        await adminListener.close();
        await opened.release();
        return { error: `cluster: ${(error as Error).message}` };
      }
    }
    const budget = fdBudget(settings.guards.maxConnections, adminCap, softLimit);
    log.log(budget.lowered ? "warn" : "info", "fd_budget", {
      soft_limit: budget.softLimit ?? "unknown",
      reserve: budget.reserve,
      admin_connections: adminCap,
      max_connections: budget.effective ?? "off",
      ...(budget.lowered
        ? { configured: budget.configured ?? "off", hint: "raise ulimit -n to allow more" }
        : {}),
    });
    server = await ChatServer.create(
      cluster?.store ?? store,
      { ...settings, guards: { ...settings.guards, maxConnections: budget.effective } },
      { version, log, clock: options.clock, cluster: cluster?.plug },
    );
  } catch (error) {
    await cluster?.close().catch(() => {});
    chat.close();
    await adminListener.close();
    await opened.release();
    throw error;
  }
  const admin = createAdminHandler({
    control: new ServerControl(server, {
      instance: instanceName(settings, chatPort),
      chat: `${settings.host}:${chatPort}`,
    }),
    assets: options.adminAssets ?? undefined,
    settings: store,
    token: options.adminToken ?? null,
    hostNames: settings.adminHostNames,
    clock: options.clock,
    log,
    onError: (error) => log.log("error", "admin_error", { error: String(error) }),
  });
  adminListener.serve(admin.handler);
  server.serve(chat);
  const releaseCollector = holdIdleCollector();
  const adminPort = adminListener.addr.port;
  log.log("info", "started", {
    version,
    store: store.description,
    ...(cluster ? { cluster: settings.clusterName, instance: cluster.bus.instance } : {}),
    chat: `${settings.host}:${chatPort}${settings.tlsCert ? " (TLS)" : ""}`,
    admin: `http://${settings.adminHost}:${adminPort}/`,
  });
  print(`fastchat listening chat=${chatPort} admin=${adminPort}`);
  // Whatever stops the chat server (a signal, the admin's shutdown) closes the rest.
  const finished = server.finished.then(async () => {
    releaseCollector();
    await cluster?.close().catch((error) =>
      log.log("warn", "cluster_close_failed", { error: String(error) })
    );
    admin.close();
    await adminListener.close();
    await opened.release();
    log.log("info", "stopped", {});
  });
  return {
    chatPort,
    adminPort,
    server,
    store,
    log,
    stop(message = serverTexts(settings.lang).t("server.shutdown"), delaySeconds = 0) {
      void server.shutdown(message, delaySeconds);
      return finished;
    },
    finished,
  };
}
