/**
 * Command-line arguments of `fastchat-client`: parsed into a resolved options object, or a
 * sentence explaining what is wrong. Pure: reads nothing but the strings it is given.
 */
import { parseArgs } from "node:util";

/** Default chat port of a FastChat server. */
export const DEFAULT_PORT = 9000;

/** Default host when none is given. */
export const DEFAULT_HOST = "127.0.0.1";

/** Resolved client options. */
export interface ClientArgs {
  host: string;
  port: number;
  tls: boolean;
  /** Path of a PEM file with a private CA to trust, or null. */
  caFile: string | null;
  user: string | null;
  room: string | null;
  json: boolean;
  /** Line mode even on a large terminal (no full-screen window). */
  plain: boolean;
  /** Ring the terminal bell on a mention or a direct message. */
  bell: boolean;
}

/** What the command line asks for. */
export type ParsedArgs =
  | { kind: "run"; args: ClientArgs }
  | { kind: "help" }
  | { kind: "version" }
  | { kind: "error"; message: string };

/** The `--help` text. */
export function clientHelp(version: string): string {
  return [
    `fastchat-client ${version}: the FastChat terminal client.`,
    "",
    "Usage: fastchat-client [HOST[:PORT]] [options]",
    "",
    `  HOST               server to connect to (default ${DEFAULT_HOST}); HOST:PORT also works`,
    `  --port PORT        chat port of the server (default ${DEFAULT_PORT})`,
    "  --tls              connect with TLS",
    "  --ca FILE          trust the CA certificate(s) in FILE (PEM), for a private CA",
    "  --user NAME        log in as NAME (asks only for the password)",
    "  --room ROOM        room to join right after login (no room picker)",
    "  --plain            line mode instead of the full-screen window",
    "  --bell             ring the terminal bell when mentioned or sent a direct message",
    "  --json             pipe mode: print incoming events as JSON lines",
    "  --help, --version",
    "",
    "Pipe mode: when stdin is not a terminal, each line of stdin is sent as a message:",
    "  echo hello | FASTCHAT_PASSWORD=secret fastchat-client HOST --user NAME --room ROOM",
    "",
    "Exit codes: 0 done, 1 cannot connect or a message was refused, 2 bad usage,",
    "3 kicked or banned.",
  ].join("\n");
}

function _parsePort(text: string): number | null {
  if (!/^\d{1,5}$/.test(text)) return null;
  const port = Number(text);
  return port >= 1 && port <= 65_535 ? port : null;
}

/** Splits `HOST`, `HOST:PORT`, `[V6]` or `[V6]:PORT`; a bare IPv6 address has no port. */
function _splitHost(spec: string): { host: string; port: string | null } {
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(spec);
  if (bracketed) return { host: bracketed[1]!, port: bracketed[2] ?? null };
  const colons = spec.split(":").length - 1;
  if (colons === 1) {
    const at = spec.indexOf(":");
    return { host: spec.slice(0, at), port: spec.slice(at + 1) };
  }
  return { host: spec, port: null };
}

/** Parses the arguments after the program name. */
export function parseClientArgs(argv: string[]): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        port: { type: "string", short: "p" },
        tls: { type: "boolean" },
        ca: { type: "string" },
        user: { type: "string", short: "u" },
        room: { type: "string", short: "r" },
        json: { type: "boolean" },
        plain: { type: "boolean" },
        bell: { type: "boolean" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "V" },
      },
    });
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    // node's messages end with a hint on "--" that does not apply here.
    return { kind: "error", message: text.replace(/\. To specify a positional.*$/s, ".") };
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };
  if (positionals.length > 1) {
    return {
      kind: "error",
      message: `Expected at most one HOST, got ${positionals.length}: ${positionals.join(" ")}.`,
    };
  }
  const { host, port: hostPort } = _splitHost(positionals[0] ?? DEFAULT_HOST);
  if (host === "") return { kind: "error", message: "The host is empty." };
  if (hostPort !== null && values.port !== undefined && hostPort !== values.port) {
    return {
      kind: "error",
      message: `Two different ports given (${hostPort} and --port ${values.port}); give one.`,
    };
  }
  const portText = values.port ?? hostPort;
  let port = DEFAULT_PORT;
  if (portText !== null) {
    const checked = _parsePort(portText);
    if (checked === null) {
      return {
        kind: "error",
        message: `Invalid port "${portText}": use a number from 1 to 65535.`,
      };
    }
    port = checked;
  }
  for (const name of ["user", "room", "ca"] as const) {
    if (values[name] === "") return { kind: "error", message: `--${name} is empty.` };
  }
  if (values.ca !== undefined && !values.tls) {
    return { kind: "error", message: "--ca only makes sense with --tls." };
  }
  return {
    kind: "run",
    args: {
      host,
      port,
      tls: values.tls === true,
      caFile: values.ca ?? null,
      user: values.user ?? null,
      room: values.room ?? null,
      json: values.json === true,
      plain: values.plain === true,
      bell: values.bell === true,
    },
  };
}
