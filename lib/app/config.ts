/**
 * Server configuration: the ONE table of settings with their flags, environment variables,
 * defaults and help; the resolved settings type; and the parsing of arguments and
 * environment (flags win over environment variables, which win over defaults). Pure: the
 * caller passes the arguments and the environment in.
 *
 * Adding a setting: add its field to the type that uses it (`ChatServerSettings`,
 * `GuardSettings` or {@linkcode ServerSettings}) and one entry to {@linkcode SETTINGS};
 * the compiler refuses a field without an entry and an entry without a field.
 */
import { parseArgs } from "node:util";
import { DEFAULT_MAX_FRAME } from "../protocol/limits.ts";
import { type Language, LANGUAGES, matchLanguage } from "../i18n/languages.ts";
import { serverEn } from "../i18n/catalogs/server.en.ts";
import type { GuardSettings } from "../server/limits/guards.ts";
import type { ChatServerSettings } from "../server/chat_server.ts";
import {
  ConfigError,
  duration,
  flood,
  hostNames,
  integer,
  limit,
  logFormat,
  messageRate,
  natsUrls,
  networks,
  optionalText,
  type Parser,
  port,
  roomRate,
  seconds,
  text,
} from "./setting_parsers.ts";

export { ConfigError } from "./setting_parsers.ts";

/** A language with catalogs, from a tag (`fr`, `fr-CA`, `fr_FR.UTF-8`). */
const language: Parser<Language> = (value, flag) => {
  const choice = matchLanguage(value);
  if (choice === null) {
    throw new ConfigError(`${flag} must be one of ${LANGUAGES.join(", ")}, not "${value}"`);
  }
  return choice.language;
};
export type { MessageRate } from "../server/chat_server.ts";

/** Every setting of a server, resolved (no field is optional). */
export interface ServerSettings extends ChatServerSettings {
  /** Address the chat listener binds. */
  host: string;
  /** Chat port (0 = pick a free one). */
  port: number;
  /** Address of the admin page. */
  adminHost: string;
  /** Admin port (0 = pick a free one). */
  adminPort: number;
  /** Extra names the admin page answers to in `Host` (besides its address and localhost). */
  adminHostNames: string[];
  /** `sqlite:PATH` or `mysql://user:pass@host:port/db`. */
  db: string;
  /** PEM certificate chain (with {@linkcode tlsKey}): the chat is served over TLS. */
  tlsCert: string | null;
  tlsKey: string | null;
  /** `text` (human) or `json` (one JSON object per line). */
  logFormat: "text" | "json";
  /** NATS servers of the cluster this instance joins (`--cluster`); null = one process. */
  cluster: string[] | null;
  /** Instances with the same cluster name, NATS and database form one chat service. */
  clusterName: string;
  /** This instance's name in a cluster; null = host name and chat port. */
  instance: string | null;
}

/** Settings as a caller gives them: any field may be left out (it gets its default). */
export type ServerSettingsInput =
  & Partial<Omit<ServerSettings, "guards">>
  & { guards?: Partial<GuardSettings> };

/** What the command line and environment ask for: the settings and the one-off actions. */
export interface ServerConfig extends ServerSettings {
  /** `FASTCHAT_ADMIN_PASSWORD`: the admin page's password; null = keep or generate one. */
  adminPassword: string | null;
  /** `FASTCHAT_ADMIN_TOKEN`: enables `Authorization: Bearer`; null = off. */
  adminToken: string | null;
  resetAdminPassword: boolean;
  help: boolean;
  version: boolean;
}

/** A setting given by a flag or an environment variable. */
export interface FlagSetting<T> {
  flag: `--${string}`;
  env: `FASTCHAT_${string}`;
  /** The default, written as on the command line (what `--help` shows; "" = off). */
  default: string;
  /** What `--help` says of it. */
  help: string;
  parse: Parser<T>;
  /** Whether it belongs to {@linkcode ServerSettings.guards}. */
  guard: boolean;
}

/** A setting that no flag changes: just its value. */
export interface FixedSetting<T> {
  fixed: T;
  guard: boolean;
}

type TopSettings = Omit<ServerSettings, "guards">;
type Entry<T> = FlagSetting<T> | FixedSetting<T>;

/** One entry per setting, top-level and guards alike; the order is that of `--help`. */
export type SettingsTable =
  & { [K in keyof TopSettings]: Entry<TopSettings[K]> & { guard: false } }
  & { [K in keyof GuardSettings]: Entry<GuardSettings[K]> & { guard: true } };

function option<T>(
  flag: `--${string}`,
  env: `FASTCHAT_${string}`,
  def: string,
  parse: Parser<T>,
  help: string,
): FlagSetting<T> & { guard: false } {
  return { flag, env, default: def, parse, help, guard: false };
}

function guard<T>(entry: FlagSetting<T> | FixedSetting<T>): Entry<T> & { guard: true } {
  return { ...entry, guard: true };
}

/** The settings, their flags, environment variables and defaults: the only defaults. */
export const SETTINGS: SettingsTable = {
  host: option("--host", "FASTCHAT_HOST", "0.0.0.0", text, "address the chat listener binds"),
  port: option("--port", "FASTCHAT_PORT", "9000", port, "chat port (0 = pick a free one)"),
  adminHost: option(
    "--admin-host",
    "FASTCHAT_ADMIN_HOST",
    "127.0.0.1",
    text,
    "address of the admin page",
  ),
  adminPort: option(
    "--admin-port",
    "FASTCHAT_ADMIN_PORT",
    "9080",
    port,
    "admin port (0 = pick a free one)",
  ),
  adminHostNames: option(
    "--admin-host-names",
    "FASTCHAT_ADMIN_HOST_NAMES",
    "",
    hostNames,
    "comma-separated extra host names the admin page answers to (DNS rebinding defence)",
  ),
  db: option(
    "--db",
    "FASTCHAT_DB",
    "sqlite:./fastchat.db",
    text,
    "sqlite:PATH or mysql://user:pass@host:3306/db",
  ),
  tlsCert: option(
    "--tls-cert",
    "FASTCHAT_TLS_CERT",
    "",
    optionalText,
    "PEM certificate chain: serve the chat over TLS",
  ),
  tlsKey: option(
    "--tls-key",
    "FASTCHAT_TLS_KEY",
    "",
    optionalText,
    "PEM private key for --tls-cert",
  ),
  msgRate: option(
    "--msg-rate",
    "FASTCHAT_MSG_RATE",
    "5:10",
    messageRate,
    "say/dm per second per session : burst, or off",
  ),
  connLimit: option(
    "--conn-limit",
    "FASTCHAT_CONN_LIMIT",
    "20",
    limit,
    "concurrent connections per address, or off",
  ),
  connRate: option(
    "--conn-rate",
    "FASTCHAT_CONN_RATE",
    "60",
    limit,
    "new connections per address per minute, or off",
  ),
  authRate: option(
    "--auth-rate",
    "FASTCHAT_AUTH_RATE",
    "5",
    limit,
    "registrations per address (IPv6: /64) per 10 min (a class behind one NAT: 60), or off",
  ),
  proxyProtocol: option(
    "--proxy-protocol",
    "FASTCHAT_PROXY_PROTOCOL",
    "off",
    networks,
    "comma-separated addresses or networks of proxies (HAProxy send-proxy-v2) whose connections " +
      "start with a PROXY header naming the client, or off (not with --tls-cert)",
  ),
  motd: option(
    "--motd",
    "FASTCHAT_MOTD",
    serverEn["server.motd"],
    text,
    "message of the day, sent on connect (the default is said in --lang)",
  ),
  lang: option(
    "--lang",
    "FASTCHAT_LANG",
    "en",
    language,
    `language of the server's own texts (motd, shutdown warning, notices): ${LANGUAGES.join(", ")}`,
  ),
  maxFrame: option(
    "--max-frame",
    "FASTCHAT_MAX_FRAME",
    String(DEFAULT_MAX_FRAME),
    integer(1024, 16 * 1024 * 1024),
    "largest frame in bytes",
  ),
  outboundLimit: option(
    "--outbound-limit",
    "FASTCHAT_OUTBOUND_LIMIT",
    String(4 * 1024 * 1024),
    integer(1024, 1 << 30),
    "bytes queued for a slow reader before it is disconnected",
  ),
  logFormat: option("--log-format", "FASTCHAT_LOG_FORMAT", "text", logFormat, "text or json"),
  cluster: option(
    "--cluster",
    "FASTCHAT_CLUSTER",
    "",
    natsUrls,
    "nats://host:port[,…]: join the cluster these NATS servers carry (needs --db mysql://…)",
  ),
  clusterName: option(
    "--cluster-name",
    "FASTCHAT_CLUSTER_NAME",
    "fastchat",
    text,
    "instances with the same name, NATS and database form one chat service",
  ),
  instance: option(
    "--instance",
    "FASTCHAT_INSTANCE",
    "",
    optionalText,
    "this instance's name in a cluster (default: host name and chat port)",
  ),
  loginTimeoutMs: guard(option(
    "--login-timeout",
    "FASTCHAT_LOGIN_TIMEOUT",
    "30",
    seconds,
    "seconds to log in before closing, or off",
  )),
  idleTimeoutMs: guard(option(
    "--idle-timeout",
    "FASTCHAT_IDLE_TIMEOUT",
    "3600",
    seconds,
    "seconds a logged-in connection may send nothing before closing, or off",
  )),
  frameTimeoutMs: guard(option(
    "--frame-timeout",
    "FASTCHAT_FRAME_TIMEOUT",
    "30",
    seconds,
    "seconds to finish a started frame, or off",
  )),
  tlsHandshakeTimeoutMs: guard({ fixed: 10_000, guard: true }),
  maxConnections: guard(option(
    "--max-connections",
    "FASTCHAT_MAX_CONNECTIONS",
    "10000",
    limit,
    "open connections in all, or off",
  )),
  maxRooms: guard(option(
    "--max-rooms",
    "FASTCHAT_MAX_ROOMS",
    "10000",
    limit,
    "rooms on the server, or off",
  )),
  roomRate: guard(option(
    "--room-rate",
    "FASTCHAT_ROOM_RATE",
    "10:20",
    roomRate,
    "rooms created per hour per account : per address (each a number or off), or off; " +
      "applies while --msg-rate is on",
  )),
  roomExpiryMs: guard(option(
    "--room-expiry",
    "FASTCHAT_ROOM_EXPIRY",
    "off",
    duration,
    "delete rooms unused for this long (like 30d; never general or an occupied room), or off",
  )),
  emptyRoomExpiryMs: option(
    "--empty-room-expiry",
    "FASTCHAT_EMPTY_ROOM_EXPIRY",
    "1d",
    duration,
    "delete rooms that never had a message this long after their creation (never general " +
      "or an occupied room), or off",
  ),
  maxRoomMembers: guard(option(
    "--max-room-members",
    "FASTCHAT_MAX_ROOM_MEMBERS",
    "10000",
    limit,
    "connections in one room, or off",
  )),
  largeRoom: guard(option(
    "--large-room",
    "FASTCHAT_LARGE_ROOM",
    "500",
    limit,
    "users in a room above which joins and leaves go out in batches (presence), or off",
  )),
  maxStoreBacklog: guard(option(
    "--max-store-backlog",
    "FASTCHAT_MAX_STORE_BACKLOG",
    "50000",
    limit,
    "messages waiting for the store before say/dm answer unavailable, or off",
  )),
  flood: guard(option(
    "--flood",
    "FASTCHAT_FLOOD",
    "20:1m:5m",
    flood,
    "rate_limited answers in 10 s before an automatic mute : mute : kick, or off",
  )),
};

type Key = keyof SettingsTable;
type AnyEntry = Entry<unknown> & { guard: boolean };

/** The table's entries, in order. */
function entries(): [Key, AnyEntry][] {
  return Object.entries(SETTINGS) as [Key, AnyEntry][];
}

/** The settings that have a flag, in `--help` order. */
export function flagSettings(): FlagSetting<unknown>[] {
  return entries().map(([, entry]) => entry).filter((e): e is FlagSetting<unknown> => "flag" in e);
}

/** Every environment variable the server reads. */
export const SERVER_ENV: readonly string[] = [
  ...flagSettings().map((entry) => entry.env),
  "FASTCHAT_ADMIN_PASSWORD",
  "FASTCHAT_ADMIN_TOKEN",
];

/** Builds the settings from each flag setting's text (fixed settings keep their value). */
function build(textOf: (entry: FlagSetting<unknown>) => string): ServerSettings {
  const top: Record<string, unknown> = {};
  const guards: Record<string, unknown> = {};
  for (const [key, entry] of entries()) {
    const value = "flag" in entry ? entry.parse(textOf(entry), entry.flag) : entry.fixed;
    (entry.guard ? guards : top)[key] = value;
  }
  const settings = { ...top, guards } as unknown as ServerSettings;
  checkSettings(settings);
  return settings;
}

/** Refuses settings that do not go together. */
function checkSettings(settings: ServerSettings): void {
  if ((settings.tlsCert === null) !== (settings.tlsKey === null)) {
    throw new ConfigError("--tls-cert and --tls-key go together");
  }
  if (settings.proxyProtocol !== null && settings.tlsCert !== null) {
    throw new ConfigError(
      "--proxy-protocol and --tls-cert do not go together: the PROXY header comes before the " +
        "TLS handshake, which the chat port's TLS cannot read; terminate TLS in the proxy",
    );
  }
  if (settings.cluster !== null && !settings.db.startsWith("mysql://")) {
    throw new ConfigError(
      "--cluster needs --db mysql://…: the instances of a cluster share one MySQL/MariaDB " +
        "database, and an SQLite file belongs to a single process",
    );
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** The defaults of every setting, parsed from {@linkcode SETTINGS}. */
export const DEFAULT_SETTINGS: Readonly<ServerSettings> = deepFreeze(
  build((entry) => entry.default),
);

/** The default guards (timeouts, bounds, flood escalation), listed in `docs/security.md`. */
export const DEFAULT_GUARDS: Readonly<GuardSettings> = DEFAULT_SETTINGS.guards;

/**
 * Fills in the defaults of what `input` leaves out (in tests, benchmarks and embedders).
 * Throws ConfigError when settings do not go together.
 */
export function resolveServerSettings(input: ServerSettingsInput = {}): ServerSettings {
  const defaults = structuredClone(DEFAULT_SETTINGS) as ServerSettings;
  const defined = <T extends object>(o: T): Partial<T> =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
  const { guards, ...top } = input;
  const settings: ServerSettings = {
    ...defaults,
    ...defined(top),
    guards: { ...defaults.guards, ...defined(guards ?? {}) },
  };
  checkSettings(settings);
  return settings;
}

/** Parses server arguments and environment; throws ConfigError on a mistake. */
export function parseServerConfig(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ServerConfig {
  const options: Record<string, { type: "string" | "boolean" }> = {
    "reset-admin-password": { type: "boolean" },
    help: { type: "boolean" },
    version: { type: "boolean" },
  };
  for (const { flag } of flagSettings()) options[flag.slice(2)] = { type: "string" };
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...args], options, allowPositionals: false, strict: true }));
  } catch (error) {
    throw new ConfigError((error as Error).message.split("\n")[0]!);
  }
  const settings = build((entry) => {
    const fromFlag = values[entry.flag.slice(2)];
    if (typeof fromFlag === "string") return fromFlag;
    const fromEnv = env[entry.env];
    return fromEnv !== undefined && fromEnv !== "" ? fromEnv : entry.default;
  });
  return {
    ...settings,
    adminPassword: env.FASTCHAT_ADMIN_PASSWORD || null,
    adminToken: env.FASTCHAT_ADMIN_TOKEN || null,
    resetAdminPassword: values["reset-admin-password"] === true,
    help: values.help === true,
    version: values.version === true,
  };
}

/** The `--help` text. */
export function serverHelp(version: string): string {
  const lines = flagSettings().map(({ flag, env, default: def, help }) =>
    `  ${flag.padEnd(17)} ${help}\n  ${"".padEnd(17)} env ${env}, default ${def || "off"}`
  );
  return [
    `fastchat-server ${version}: a chat server speaking the FastChat protocol over TCP.`,
    "",
    "Usage: fastchat-server [options]",
    "",
    ...lines,
    "  --reset-admin-password  print a new admin password and exit",
    "  --help, --version",
    "",
    "FASTCHAT_ADMIN_PASSWORD sets the admin page's password; FASTCHAT_ADMIN_TOKEN enables",
    "Authorization: Bearer for scripts.",
  ].join("\n");
}
