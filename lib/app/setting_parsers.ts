/**
 * Parsers of setting values as written on the command line or in the environment. Each
 * takes the text and the flag it came from (named in the error) and returns the value or
 * throws a {@linkcode ConfigError} whose message is one line.
 */
import { parseDuration } from "../common/duration.ts";
import type { FloodSettings } from "../server/limits/guards.ts";
import type { RoomRateSettings } from "../server/limits/room_limiter.ts";
import type { MessageRate } from "../server/chat_server.ts";
import { type IpNetwork, parseNetwork } from "../server/moderation/ip_network.ts";

/** A configuration mistake; the message is one line naming it. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Turns the text of a setting into its value; throws ConfigError naming `flag`. */
export type Parser<T> = (text: string, flag: string) => T;

/** The window flood strikes are counted in (not configurable). */
export const FLOOD_WINDOW_MS = 10_000;

/** The text as it is. */
export const text: Parser<string> = (value) => value;

/** The text, or null when empty. */
export const optionalText: Parser<string | null> = (value) => value || null;

/**
 * `nats://host:port[,nats://host:port…]` (the NATS servers of a cluster), or null when
 * empty. Each address must be a `nats://` URL with a host and a port.
 */
export const natsUrls: Parser<string[] | null> = (value, flag) => {
  if (value.trim() === "") return null;
  return value.split(",").map((part) => {
    const address = part.trim();
    let url: URL | null = null;
    try {
      url = new URL(address);
    } catch {
      // Reported below.
    }
    if (url === null || url.protocol !== "nats:" || url.hostname === "" || url.port === "") {
      throw new ConfigError(
        `${flag} takes nats://host:port addresses separated by commas, not ${
          JSON.stringify(address)
        }`,
      );
    }
    return address;
  });
};

/** A whole number between `min` and `max`. */
export function integer(min: number, max: number): Parser<number> {
  return (value, flag) => {
    if (!/^\d+$/.test(value)) {
      throw new ConfigError(`${flag} must be a whole number, not "${value}"`);
    }
    const n = Number(value);
    if (n < min || n > max) throw new ConfigError(`${flag} must be between ${min} and ${max}`);
    return n;
  };
}

/** A port number (0 = pick a free one). */
export const port: Parser<number> = integer(0, 65535);

const count = integer(1, 1_000_000);

/** A count from 1 to 1,000,000, or `off` (null). */
export const limit: Parser<number | null> = (value, flag) =>
  value === "off" ? null : count(value, flag);

/** Seconds (0.1 to a week) as milliseconds, or `off` (null). */
export const seconds: Parser<number | null> = (value, flag) => {
  if (value === "off") return null;
  if (!/^\d+(?:\.\d+)?$/.test(value)) {
    throw new ConfigError(`${flag} must be a number of seconds or off, not "${value}"`);
  }
  const ms = Math.round(Number(value) * 1000);
  if (ms < 100 || ms > 7 * 86_400_000) {
    throw new ConfigError(`${flag} must be between 0.1 and 604800 seconds`);
  }
  return ms;
};

/** A duration like `30d` as milliseconds, or `off` (null). */
export const duration: Parser<number | null> = (value, flag) => {
  if (value === "off") return null;
  const parsed = parseDuration(value);
  if ("error" in parsed) throw new ConfigError(`${flag}: ${parsed.error}`);
  return parsed.ms;
};

/** Comma-separated host names, trimmed and lower-cased; empty entries dropped. */
export const hostNames: Parser<string[]> = (value) =>
  value.split(",").map((n) => n.trim().toLowerCase()).filter((n) => n !== "");

/**
 * Comma-separated IPv4/IPv6 addresses or CIDR networks (`10.0.0.5,192.0.2.0/24,2001:db8::/32`),
 * or `off` (null; so is an empty text).
 */
export const networks: Parser<IpNetwork[] | null> = (value, flag) => {
  if (value.trim() === "off" || value.trim() === "") return null;
  return value.split(",").map((part) => {
    const network = parseNetwork(part.trim());
    if ("error" in network) {
      throw new ConfigError(
        `${flag} takes addresses or networks separated by commas, or off: ${network.error}`,
      );
    }
    return network;
  });
};

/** `text` or `json`. */
export const logFormat: Parser<"text" | "json"> = (value, flag) => {
  if (value !== "text" && value !== "json") {
    throw new ConfigError(`${flag} must be text or json, not "${value}"`);
  }
  return value;
};

/** `RATE:BURST` (like 5:10), or `off` (null). */
export const messageRate: Parser<MessageRate | null> = (value, flag) => {
  if (value === "off") return null;
  const match = /^(\d+(?:\.\d+)?):(\d+)$/.exec(value);
  if (!match) throw new ConfigError(`${flag} must be RATE:BURST (like 5:10) or off`);
  const rate = Number(match[1]);
  const burst = Number(match[2]);
  if (rate <= 0 || burst < 1) throw new ConfigError(`${flag} needs a positive rate and burst`);
  return { rate, burst };
};

/** `STRIKES:MUTE:KICK` (like 20:1m:5m), or `off` (null). */
export const flood: Parser<FloodSettings | null> = (value, flag) => {
  if (value === "off") return null;
  const [strikes, mute, kick, extra] = value.split(":");
  const muteMs = mute === undefined ? null : parseDuration(mute);
  const kickMs = kick === undefined ? null : parseDuration(kick);
  if (
    extra !== undefined || strikes === undefined || !/^\d+$/.test(strikes) ||
    Number(strikes) < 1 || !muteMs || !("ms" in muteMs) || !kickMs || !("ms" in kickMs)
  ) {
    throw new ConfigError(`${flag} must be STRIKES:MUTE:KICK (like 20:1m:5m) or off`);
  }
  return {
    strikes: Number(strikes),
    windowMs: FLOOD_WINDOW_MS,
    muteMs: muteMs.ms,
    kickMs: kickMs.ms,
  };
};

/** `ACCOUNT:ADDRESS` (like 10:20; either may be off), or `off` (null). */
export const roomRate: Parser<RoomRateSettings | null> = (value, flag) => {
  if (value === "off") return null;
  const parts = value.split(":");
  const [account, address] = parts;
  const valid = (part: string | undefined) => part === "off" || /^\d+$/.test(part ?? "");
  if (parts.length !== 2 || !valid(account) || !valid(address)) {
    throw new ConfigError(
      `${flag} must be ACCOUNT:ADDRESS (like 10:20; either may be off) or off`,
    );
  }
  return { perAccount: limit(account!, flag), perAddress: limit(address!, flag) };
};
