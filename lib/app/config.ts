/**
 * Server configuration: flags win over environment variables, which win over defaults.
 * Pure: the caller passes the arguments and the environment in.
 */
import { parseArgs } from "node:util";
import { DEFAULT_MAX_FRAME } from "../protocol/limits.ts";
import { parseDuration } from "../common/duration.ts";
import { DEFAULT_GUARDS, type FloodSettings, type GuardSettings } from "../server/limits/guards.ts";
import type { RoomRateSettings } from "../server/limits/room_limiter.ts";

/** A message rate: `rate` per second with bursts of `burst`. */
export interface MessageRate {
  rate: number;
  burst: number;
}

/** The resolved server configuration. */
export interface ServerConfig {
  host: string;
  port: number;
  adminHost: string;
  adminPort: number;
  /** Extra names the admin page answers to in `Host` (besides its address and localhost). */
  adminHostNames: string[];
  /** `sqlite:PATH` or `mysql://user:pass@host:port/db`. */
  db: string;
  tlsCert: string | null;
  tlsKey: string | null;
  /** Per-session `say`/`dm` limit; null when off. */
  msgRate: MessageRate | null;
  /** Concurrent connections per client address; null when off. */
  connLimit: number | null;
  /** New connections per client address per minute; null when off. */
  connRate: number | null;
  /** Registrations per address per 10 minutes (and login failure delays); null when off. */
  authRate: number | null;
  motd: string;
  maxFrame: number;
  /** Bytes that may wait for a slow reader before it is disconnected. */
  outboundLimit: number;
  /** `text` (human) or `json` (one JSON object per line). */
  logFormat: "text" | "json";
  /** Timeouts, resource bounds and flood escalation (see `docs/security.md`). */
  guards: GuardSettings;
  adminPassword: string | null;
  adminToken: string | null;
  resetAdminPassword: boolean;
  help: boolean;
  version: boolean;
}

/** A configuration mistake; the message is one line naming it. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Flags, their environment variables and defaults, also used to print `--help`. */
export const SERVER_OPTIONS = [
  ["--host", "FASTCHAT_HOST", "0.0.0.0", "address the chat listener binds"],
  ["--port", "FASTCHAT_PORT", "9000", "chat port (0 = pick a free one)"],
  ["--admin-host", "FASTCHAT_ADMIN_HOST", "127.0.0.1", "address of the admin page"],
  ["--admin-port", "FASTCHAT_ADMIN_PORT", "9080", "admin port (0 = pick a free one)"],
  [
    "--admin-host-names",
    "FASTCHAT_ADMIN_HOST_NAMES",
    "",
    "comma-separated extra host names the admin page answers to (DNS rebinding defence)",
  ],
  ["--db", "FASTCHAT_DB", "sqlite:./fastchat.db", "sqlite:PATH or mysql://user:pass@host:3306/db"],
  ["--tls-cert", "FASTCHAT_TLS_CERT", "", "PEM certificate chain: serve the chat over TLS"],
  ["--tls-key", "FASTCHAT_TLS_KEY", "", "PEM private key for --tls-cert"],
  ["--msg-rate", "FASTCHAT_MSG_RATE", "5:10", "say/dm per second per session : burst, or off"],
  ["--conn-limit", "FASTCHAT_CONN_LIMIT", "20", "concurrent connections per address, or off"],
  ["--conn-rate", "FASTCHAT_CONN_RATE", "60", "new connections per address per minute, or off"],
  [
    "--auth-rate",
    "FASTCHAT_AUTH_RATE",
    "5",
    "registrations per address (IPv6: /64) per 10 min (a class behind one NAT: 60), or off",
  ],
  ["--motd", "FASTCHAT_MOTD", "Welcome to FastChat.", "message of the day, sent on connect"],
  ["--max-frame", "FASTCHAT_MAX_FRAME", String(DEFAULT_MAX_FRAME), "largest frame in bytes"],
  [
    "--outbound-limit",
    "FASTCHAT_OUTBOUND_LIMIT",
    String(4 * 1024 * 1024),
    "bytes queued for a slow reader before it is disconnected",
  ],
  ["--log-format", "FASTCHAT_LOG_FORMAT", "text", "text or json"],
  ["--login-timeout", "FASTCHAT_LOGIN_TIMEOUT", "30", "seconds to log in before closing, or off"],
  [
    "--idle-timeout",
    "FASTCHAT_IDLE_TIMEOUT",
    "3600",
    "seconds a logged-in connection may send nothing before closing, or off",
  ],
  ["--frame-timeout", "FASTCHAT_FRAME_TIMEOUT", "30", "seconds to finish a started frame, or off"],
  ["--max-connections", "FASTCHAT_MAX_CONNECTIONS", "10000", "open connections in all, or off"],
  ["--max-rooms", "FASTCHAT_MAX_ROOMS", "10000", "rooms on the server, or off"],
  [
    "--room-rate",
    "FASTCHAT_ROOM_RATE",
    "10:20",
    "rooms created per hour per account : per address (each a number or off), or off; " +
    "applies while --msg-rate is on",
  ],
  [
    "--room-expiry",
    "FASTCHAT_ROOM_EXPIRY",
    "off",
    "delete rooms unused for this long (like 30d; never general or an occupied room), or off",
  ],
  ["--max-room-members", "FASTCHAT_MAX_ROOM_MEMBERS", "10000", "connections in one room, or off"],
  [
    "--max-store-backlog",
    "FASTCHAT_MAX_STORE_BACKLOG",
    "50000",
    "messages waiting for the store before say/dm answer unavailable, or off",
  ],
  [
    "--flood",
    "FASTCHAT_FLOOD",
    "20:1m:5m",
    "rate_limited answers in 10 s before an automatic mute : mute : kick, or off",
  ],
] as const;

function integer(name: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value)) throw new ConfigError(`${name} must be a whole number, not "${value}"`);
  const n = Number(value);
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}`);
  return n;
}

function limit(name: string, value: string): number | null {
  return value === "off" ? null : integer(name, value, 1, 1_000_000);
}

function seconds(name: string, value: string): number | null {
  if (value === "off") return null;
  if (!/^\d+(?:\.\d+)?$/.test(value)) {
    throw new ConfigError(`${name} must be a number of seconds or off, not "${value}"`);
  }
  const ms = Math.round(Number(value) * 1000);
  if (ms < 100 || ms > 7 * 86_400_000) {
    throw new ConfigError(`${name} must be between 0.1 and 604800 seconds`);
  }
  return ms;
}

function flood(value: string): FloodSettings | null {
  if (value === "off") return null;
  const [strikes, mute, kick, extra] = value.split(":");
  const muteMs = mute === undefined ? null : parseDuration(mute);
  const kickMs = kick === undefined ? null : parseDuration(kick);
  if (
    extra !== undefined || strikes === undefined || !/^\d+$/.test(strikes) ||
    Number(strikes) < 1 || !muteMs || !("ms" in muteMs) || !kickMs || !("ms" in kickMs)
  ) {
    throw new ConfigError(`--flood must be STRIKES:MUTE:KICK (like 20:1m:5m) or off`);
  }
  return {
    strikes: Number(strikes),
    windowMs: DEFAULT_GUARDS.flood!.windowMs,
    muteMs: muteMs.ms,
    kickMs: kickMs.ms,
  };
}

function roomRate(value: string): RoomRateSettings | null {
  if (value === "off") return null;
  const parts = value.split(":");
  const [account, address] = parts;
  const valid = (part: string | undefined) => part === "off" || /^\d+$/.test(part ?? "");
  if (parts.length !== 2 || !valid(account) || !valid(address)) {
    throw new ConfigError(
      `--room-rate must be ACCOUNT:ADDRESS (like 10:20; either may be off) or off`,
    );
  }
  return {
    perAccount: limit("--room-rate", account!),
    perAddress: limit("--room-rate", address!),
  };
}

function roomExpiry(value: string): number | null {
  if (value === "off") return null;
  const parsed = parseDuration(value);
  if ("error" in parsed) throw new ConfigError(`--room-expiry: ${parsed.error}`);
  return parsed.ms;
}

function guards(get: (flag: string) => string): GuardSettings {
  return {
    loginTimeoutMs: seconds("--login-timeout", get("--login-timeout")),
    idleTimeoutMs: seconds("--idle-timeout", get("--idle-timeout")),
    frameTimeoutMs: seconds("--frame-timeout", get("--frame-timeout")),
    tlsHandshakeTimeoutMs: DEFAULT_GUARDS.tlsHandshakeTimeoutMs,
    maxConnections: limit("--max-connections", get("--max-connections")),
    maxRooms: limit("--max-rooms", get("--max-rooms")),
    roomRate: roomRate(get("--room-rate")),
    roomExpiryMs: roomExpiry(get("--room-expiry")),
    maxRoomMembers: limit("--max-room-members", get("--max-room-members")),
    maxStoreBacklog: limit("--max-store-backlog", get("--max-store-backlog")),
    flood: flood(get("--flood")),
  };
}

function messageRate(value: string): MessageRate | null {
  if (value === "off") return null;
  const match = /^(\d+(?:\.\d+)?):(\d+)$/.exec(value);
  if (!match) throw new ConfigError(`--msg-rate must be RATE:BURST (like 5:10) or off`);
  const rate = Number(match[1]);
  const burst = Number(match[2]);
  if (rate <= 0 || burst < 1) throw new ConfigError(`--msg-rate needs a positive rate and burst`);
  return { rate, burst };
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
  for (const [flag] of SERVER_OPTIONS) options[flag.slice(2)] = { type: "string" };
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...args], options, allowPositionals: false, strict: true }));
  } catch (error) {
    throw new ConfigError((error as Error).message.split("\n")[0]!);
  }
  const get = (flag: string): string => {
    const entry = SERVER_OPTIONS.find(([f]) => f === flag)!;
    const fromFlag = values[flag.slice(2)];
    if (typeof fromFlag === "string") return fromFlag;
    const fromEnv = env[entry[1]];
    return fromEnv !== undefined && fromEnv !== "" ? fromEnv : entry[2];
  };
  const tlsCert = get("--tls-cert") || null;
  const tlsKey = get("--tls-key") || null;
  if ((tlsCert === null) !== (tlsKey === null)) {
    throw new ConfigError("--tls-cert and --tls-key go together");
  }
  const logFormat = get("--log-format");
  if (logFormat !== "text" && logFormat !== "json") {
    throw new ConfigError(`--log-format must be text or json, not "${logFormat}"`);
  }
  return {
    host: get("--host"),
    port: integer("--port", get("--port"), 0, 65535),
    adminHost: get("--admin-host"),
    adminPort: integer("--admin-port", get("--admin-port"), 0, 65535),
    adminHostNames: get("--admin-host-names").split(",").map((n) => n.trim().toLowerCase())
      .filter((n) => n !== ""),
    db: get("--db"),
    tlsCert,
    tlsKey,
    msgRate: messageRate(get("--msg-rate")),
    connLimit: limit("--conn-limit", get("--conn-limit")),
    connRate: limit("--conn-rate", get("--conn-rate")),
    authRate: limit("--auth-rate", get("--auth-rate")),
    motd: get("--motd"),
    maxFrame: integer("--max-frame", get("--max-frame"), 1024, 16 * 1024 * 1024),
    outboundLimit: integer("--outbound-limit", get("--outbound-limit"), 1024, 1 << 30),
    logFormat,
    guards: guards(get),
    adminPassword: env.FASTCHAT_ADMIN_PASSWORD || null,
    adminToken: env.FASTCHAT_ADMIN_TOKEN || null,
    resetAdminPassword: values["reset-admin-password"] === true,
    help: values.help === true,
    version: values.version === true,
  };
}

/** The `--help` text. */
export function serverHelp(version: string): string {
  const lines = SERVER_OPTIONS.map(([flag, env, def, what]) =>
    `  ${flag.padEnd(17)} ${what}\n  ${"".padEnd(17)} env ${env}, default ${def || "off"}`
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
