/**
 * Command-line arguments of `fastchat-client`: parsed into a resolved options object, or a
 * sentence explaining what is wrong. Reads nothing but the strings it is given; its texts
 * are in the client's language, so `client.ts` chooses it first ({@linkcode langFlag}).
 */
import { parseArgs } from "node:util";
import { LANGUAGES, matchLanguage } from "../i18n/languages.ts";
import { type ClientKey, t } from "./i18n.ts";

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
  const { host, port: hostPort } = _splitHost(positionals[0] ?? DEFAULT_HOST);
  if (host === "") return { kind: "error", message: t("cli.emptyHost") };
  if (hostPort !== null && values.port !== undefined && hostPort !== values.port) {
    return {
      kind: "error",
      message: t("cli.twoPorts", { first: hostPort, second: values.port }),
    };
  }
  const portText = values.port ?? hostPort;
  let port = DEFAULT_PORT;
  if (portText !== null) {
    const checked = _parsePort(portText);
    if (checked === null) {
      return {
        kind: "error",
        message: t("cli.badPort", { port: portText }),
      };
    }
    port = checked;
  }
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
