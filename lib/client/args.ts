/**
 * Command-line arguments of `fastchat-client`: parsed into a resolved options object, or a
 * sentence explaining what is wrong. Reads nothing but the strings it is given; its texts
 * are in the client's language, so `client.ts` chooses it first ({@linkcode langFlag}).
 */
import { parseArgs } from "node:util";
import { LANGUAGES, matchLanguage } from "../i18n/languages.ts";
import { type ClientKey, t } from "./i18n.ts";
import type { ServerAddress } from "./transport.ts";

/** Default chat port of a FastChat server. */
export const DEFAULT_PORT = 9000;

/** Default host when none is given. */
export const DEFAULT_HOST = "127.0.0.1";

/** Most addresses one list of servers may hold (`host1:9000,host2:9000,…`). */
export const MAX_SERVERS = 16;

/** Resolved client options. */
export interface ClientArgs {
  /** The server's host: with a list of several, the first one's. */
  host: string;
  port: number;
  /**
   * With a list of several addresses (`host1:9000,host2:9000`): all of them, in order, the
   * first being `host` and `port`. Absent for a single address.
   */
  servers?: ServerAddress[];
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
  /** `--lang`: the language asked for on the command line (checked), or null. */
  lang: string | null;
}

/** What the command line asks for. */
export type ParsedArgs =
  | { kind: "run"; args: ClientArgs }
  | { kind: "help" }
  | { kind: "version" }
  | { kind: "error"; message: string };

/** Width of the option column of `--help`. */
const HELP_COLUMN = 21;

/** The options of `--help`: the option, its value's name ("" for none), its description. */
const HELP_OPTIONS: [string, string, ClientKey][] = [
  ["HOST", "", "cli.host"],
  ["--port", "PORT", "cli.port"],
  ["--tls", "", "cli.tls"],
  ["--ca", "FILE", "cli.ca"],
  ["--user", "NAME", "cli.user"],
  ["--room", "ROOM", "cli.room"],
  ["--plain", "", "cli.plain"],
  ["--bell", "", "cli.bell"],
  ["--lang", "LANG", "cli.lang"],
  ["--json", "", "cli.json"],
];

/** An option with the name of its value: `--user NAME`. */
function _usage(option: string, value: string): string {
  return value === "" ? option : `${option} ${value}`;
}

/** The `--help` text, in the client's language. */
export function clientHelp(version: string): string {
  const values = {
    host: DEFAULT_HOST,
    port: String(DEFAULT_PORT),
    max: String(MAX_SERVERS),
    languages: LANGUAGES.join(", "),
  };
  const indent = " ".repeat(HELP_COLUMN);
  const options = HELP_OPTIONS.map(([option, value, key]) => {
    const description = t(key, values).split("\n").join("\n" + indent);
    return "  " + _usage(option, value).padEnd(HELP_COLUMN - 2) + description;
  });
  return [
    t("cli.title", { version }),
    "",
    t("cli.usage"),
    "",
    ...options,
    "  --help, --version",
    "",
    t("cli.pipe"),
    `  ${t("cli.pipeExample")}`,
    "",
    t("cli.exitCodes"),
  ].join("\n");
}

/**
 * The value of the last `--lang` in `argv` (`--lang fr` or `--lang=fr`, before any `--`), or
 * null: the language is chosen from it before the rest is parsed, so that `--help` and
 * argument errors speak it.
 */
export function langFlag(argv: readonly string[]): string | null {
  let found: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") break;
    if (arg.startsWith("--lang=")) found = arg.slice("--lang=".length);
    else if (arg === "--lang" && i + 1 < argv.length) found = argv[++i]!;
  }
  return found;
}

/** A `parseArgs` error of node (English) as a sentence in the client's language. */
function _optionError(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  // "Option '-p, --port <value>' argument missing": the long name.
  const quoted = /'(-[^']*)'/.exec(text)?.[1];
  const option = quoted?.replace(/ <value>$/, "").split(", ").at(-1);
  if (option !== undefined) {
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return t("cli.unknownOption", { option });
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      return t(/does not take/.test(text) ? "cli.noValue" : "cli.missingValue", { option });
    }
  }
  // node's messages end with a hint on "--" that does not apply here.
  return text.replace(/\. To specify a positional.*$/s, ".");
}

/** A port number from 1 to 65535, or null. */
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

/**
 * One address of the command line (`HOST`, `HOST:PORT`, `[V6]:PORT`), its port defaulting
 * to `--port` (`portOption`) or 9000. `inList`: the address is one of a list of several, so
 * the sentences name it.
 */
function _parseAddress(
  spec: string,
  portOption: string | undefined,
  inList: boolean,
): { ok: true; address: ServerAddress } | { ok: false; message: string } {
  const { host, port: hostPort } = _splitHost(spec);
  if (host === "") {
    return {
      ok: false,
      message: inList ? t("cli.emptyHostIn", { server: spec }) : t("cli.emptyHost"),
    };
  }
  if (hostPort !== null && portOption !== undefined && hostPort !== portOption) {
    return { ok: false, message: t("cli.twoPorts", { first: hostPort, second: portOption }) };
  }
  const portText = portOption ?? hostPort;
  if (portText === null) return { ok: true, address: { host, port: DEFAULT_PORT } };
  const port = _parsePort(portText);
  if (port !== null) return { ok: true, address: { host, port } };
  const message = inList
    ? t("cli.badPortIn", { port: portText, server: spec })
    : t("cli.badPort", { port: portText });
  return { ok: false, message };
}

/**
 * The server address of the command line, or the list of several separated by commas
 * (`host1:9000,host2:9000`, at most {@linkcode MAX_SERVERS}, spaces around each ignored),
 * each port defaulting to `--port` (`portOption`) or 9000; a sentence when an element is
 * empty, a host or port is bad, or an address is listed twice.
 */
export function parseServerList(
  text: string,
  portOption?: string,
): { ok: true; servers: ServerAddress[] } | { ok: false; message: string } {
  const specs = text.split(",").map((spec) => spec.trim());
  if (specs.length === 1) {
    const single = _parseAddress(text, portOption, false);
    return single.ok ? { ok: true, servers: [single.address] } : single;
  }
  if (specs.length > MAX_SERVERS) {
    return {
      ok: false,
      message: t("cli.tooManyServers", { count: specs.length, max: MAX_SERVERS }),
    };
  }
  const servers: ServerAddress[] = [];
  const seen = new Set<string>();
  for (const [index, spec] of specs.entries()) {
    if (spec === "") {
      return { ok: false, message: t("cli.emptyServer", { list: text, position: index + 1 }) };
    }
    const parsed = _parseAddress(spec, portOption, true);
    if (!parsed.ok) return parsed;
    // Host names are case-insensitive: `A:1,a:1` is the same server twice.
    const key = `${parsed.address.host.toLowerCase()} ${parsed.address.port}`;
    if (seen.has(key)) return { ok: false, message: t("cli.duplicateServer", { server: spec }) };
    seen.add(key);
    servers.push(parsed.address);
  }
  return { ok: true, servers };
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
        lang: { type: "string" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "V" },
      },
    });
  } catch (error) {
    return { kind: "error", message: _optionError(error) };
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };
  if (positionals.length > 1) {
    return {
      kind: "error",
      message: t("cli.oneHost", { count: positionals.length, hosts: positionals.join(" ") }),
    };
  }
  const list = parseServerList(positionals[0] ?? DEFAULT_HOST, values.port);
  if (!list.ok) return { kind: "error", message: list.message };
  const { host, port } = list.servers[0]!;
  for (const name of ["user", "room", "ca"] as const) {
    if (values[name] === "") {
      return { kind: "error", message: t("cli.emptyOption", { option: name }) };
    }
  }
  if (values.ca !== undefined && !values.tls) {
    return { kind: "error", message: t("cli.caWithoutTls") };
  }
  if (values.lang !== undefined && matchLanguage(values.lang) === null) {
    return {
      kind: "error",
      message: t("cli.badLang", { lang: values.lang, languages: LANGUAGES.join(", ") }),
    };
  }
  return {
    kind: "run",
    args: {
      host,
      port,
      ...(list.servers.length > 1 ? { servers: list.servers } : {}),
      tls: values.tls === true,
      caFile: values.ca ?? null,
      user: values.user ?? null,
      room: values.room ?? null,
      json: values.json === true,
      plain: values.plain === true,
      bell: values.bell === true,
      lang: values.lang ?? null,
    },
  };
}

/**
 * Pipe mode (stdin not a terminal) logs in and joins without asking: the sentence naming
 * what is missing for that (`--user`, `--room`, the password), or null when nothing is.
 */
export function pipeModeMissing(args: ClientArgs, password: string): string | null {
  const missing = [
    args.user === null ? _usage("--user", "NAME") : null,
    args.room === null ? _usage("--room", "ROOM") : null,
    password === "" ? t("cli.needsPassword") : null,
  ].filter((item) => item !== null);
  if (missing.length === 0) return null;
  return t("cli.pipeNeeds", { missing: missing.join(", ") });
}
