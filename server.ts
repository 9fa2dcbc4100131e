/**
 * fastchat-server: reads the configuration, opens the store, starts the chat and admin
 * listeners, and shuts down on SIGINT/SIGTERM. Everything else lives in `lib/`.
 */
import denoJson from "./deno.json" with { type: "json" };
import { adminConnectionCap, fdBudget, readSoftFdLimit } from "./lib/app/fd_budget.ts";
import { createAdminHandler } from "./lib/admin/handler.ts";
import { AdminListener } from "./lib/admin/listener.ts";
import { ensureAdminPassword, resetAdminPassword } from "./lib/admin/password_setup.ts";
import {
  ConfigError,
  parseServerConfig,
  SERVER_OPTIONS,
  type ServerConfig,
  serverHelp,
} from "./lib/app/config.ts";
import { ServerControl } from "./lib/server/admin_control.ts";
import { ChatServer } from "./lib/server/chat_server.ts";
import { createLogger, type Logger } from "./lib/common/log.ts";
import { openStore } from "./lib/store/open_store.ts";
import { StoreConfigError } from "./lib/store/store_config_error.ts";

const VERSION = denoJson.version;

/** The FastChat variables of the environment, and no others. */
function readEnvironment(): Record<string, string | undefined> {
  const names = [
    ...SERVER_OPTIONS.map(([, env]) => env),
    "FASTCHAT_ADMIN_PASSWORD",
    "FASTCHAT_ADMIN_TOKEN",
  ];
  return Object.fromEntries(names.map((name) => [name, Deno.env.get(name)]));
}

async function main(): Promise<number> {
  let config;
  try {
    config = parseServerConfig(Deno.args, readEnvironment());
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`fastchat-server: ${error.message} (see --help)`);
      return 2;
    }
    throw error;
  }
  if (config.help) {
    console.log(serverHelp(VERSION));
    return 0;
  }
  if (config.version) {
    console.log(`fastchat-server ${VERSION}`);
    return 0;
  }
  const log = createLogger(config.logFormat);
  let store;
  try {
    store = await openStore(config.db, {
      onRetry: (line) => log.log("warn", "store_unreachable", { detail: line }),
    });
  } catch (error) {
    if (error instanceof StoreConfigError) {
      console.error(`fastchat-server: ${error.message}`);
      return 2;
    }
    throw error;
  }
  if (config.resetAdminPassword) {
    await resetAdminPassword(store, (line) => console.log(line));
    await store.close();
    return 0;
  }
  // Bind both ports before anything is shown once (the generated admin password), so a
  // busy port never costs it; the error names the port.
  const softLimit = readSoftFdLimit();
  const adminCap = adminConnectionCap(softLimit);
  let chatListener: Deno.Listener;
  let adminListener: AdminListener;
  try {
    chatListener = await listenChat(config);
    adminListener = bindAdmin(config, adminCap, log, chatListener);
  } catch (error) {
    console.error(`fastchat-server: ${(error as Error).message}`);
    await store.close();
    return 2;
  }
  await ensureAdminPassword(store, config.adminPassword, (line) => console.log(line));
  const budget = fdBudget(config.guards.maxConnections, adminCap, softLimit);
  log.log(budget.lowered ? "warn" : "info", "fd_budget", {
    soft_limit: budget.softLimit ?? "unknown",
    reserve: budget.reserve,
    admin_connections: adminCap,
    max_connections: budget.effective ?? "off",
    ...(budget.lowered
      ? { configured: budget.configured ?? "off", hint: "raise ulimit -n to allow more" }
      : {}),
  });
  const server = await ChatServer.create(store, {
    version: VERSION,
    motd: config.motd,
    maxFrame: config.maxFrame,
    outboundLimit: config.outboundLimit,
    msgRate: config.msgRate,
    connLimit: config.connLimit,
    connRate: config.connRate,
    authRate: config.authRate,
    log,
    guards: { ...config.guards, maxConnections: budget.effective },
  });

  const admin = createAdminHandler({
    control: new ServerControl(server),
    settings: store,
    token: config.adminToken,
    hostNames: config.adminHostNames,
    log,
    onError: (error) => log.log("error", "admin_error", { error: String(error) }),
  });
  adminListener.serve(admin.handler);
  server.serve(chatListener);
  const chatPort = (chatListener.addr as Deno.NetAddr).port;
  const adminPort = adminListener.addr.port;
  log.log("info", "started", {
    version: VERSION,
    store: store.description,
    chat: `${config.host}:${chatPort}${config.tlsCert ? " (TLS)" : ""}`,
    admin: `http://${config.adminHost}:${adminPort}/`,
  });
  console.log(`fastchat listening chat=${chatPort} admin=${adminPort}`);

  const stop = () => void server.shutdown("The server is shutting down.", 0);
  Deno.addSignalListener("SIGINT", stop);
  // Windows has no SIGTERM (listening for it throws there); SIGBREAK is Ctrl-Break.
  Deno.addSignalListener(Deno.build.os === "windows" ? "SIGBREAK" : "SIGTERM", stop);
  await server.finished;
  admin.close();
  await adminListener.close();
  await store.close();
  log.log("info", "stopped", {});
  return 0;
}

/** Binds the chat port (TLS when configured); the error names the address. */
async function listenChat(config: ServerConfig): Promise<Deno.Listener> {
  const where = `chat port ${config.host}:${config.port}`;
  try {
    return config.tlsCert && config.tlsKey
      ? Deno.listenTls({
        hostname: config.host,
        port: config.port,
        cert: await Deno.readTextFile(config.tlsCert),
        key: await Deno.readTextFile(config.tlsKey),
      })
      : Deno.listen({ hostname: config.host, port: config.port });
  } catch (error) {
    throw new Error(`cannot listen on the ${where}: ${(error as Error).message}`);
  }
}

/** Binds the admin port; on failure closes `chat` and throws naming the address. */
function bindAdmin(
  config: ServerConfig,
  maxConnections: number,
  log: Logger,
  chat: Deno.Listener,
): AdminListener {
  try {
    return AdminListener.bind({
      hostname: config.adminHost,
      port: config.adminPort,
      maxConnections,
      log,
    });
  } catch (error) {
    chat.close();
    const where = `admin port ${config.adminHost}:${config.adminPort}`;
    throw new Error(`cannot listen on the ${where}: ${(error as Error).message}`);
  }
}

Deno.exit(await main());
