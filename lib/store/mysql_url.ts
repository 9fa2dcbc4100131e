/**
 * Parsing of `--db mysql://user:password@host:port/database` values into connection
 * settings, with one-line errors for whatever is wrong with them.
 */
import { StoreConfigError } from "./store_config_error.ts";

/** Where and as whom to connect. */
export interface MysqlTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** The URL without its password, for logs. */
  display: string;
}

const EXAMPLE = "mysql://user:password@host:3306/database";

/** Parses a `mysql://` URL; throws StoreConfigError naming what is wrong with it. */
export function parseMysqlUrl(text: string): MysqlTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new StoreConfigError(`--db is not a valid URL; expected ${EXAMPLE}`);
  }
  if (url.protocol !== "mysql:") {
    throw new StoreConfigError(`--db scheme must be mysql:, not ${url.protocol}`);
  }
  if (url.hostname === "") {
    throw new StoreConfigError(`--db ${redact(url)} names no host; expected ${EXAMPLE}`);
  }
  if (url.search !== "" || url.hash !== "") {
    throw new StoreConfigError(
      `--db ${redact(url)} has options (?… or #…), which are not supported`,
    );
  }
  const database = decode(url.pathname.slice(1), "database name");
  if (database === "" || database.includes("/")) {
    throw new StoreConfigError(
      `--db ${redact(url)} must name one database after the host, as in ${EXAMPLE}`,
    );
  }
  const user = decode(url.username, "user name");
  if (user === "") {
    throw new StoreConfigError(`--db ${redact(url)} names no user; expected ${EXAMPLE}`);
  }
  const port = url.port === "" ? 3306 : Number(url.port);
  // WHATWG URLs keep brackets around IPv6 hosts; the socket API wants them without.
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  return {
    host,
    port,
    user,
    password: decode(url.password, "password"),
    database,
    display: redact(url),
  };
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new StoreConfigError(`--db has a badly percent-encoded ${what}`);
  }
}

/** The URL with its password replaced by `***`. */
function redact(url: URL): string {
  const copy = new URL(url.href);
  if (copy.password !== "") copy.password = "***";
  copy.search = "";
  copy.hash = "";
  return copy.href;
}
