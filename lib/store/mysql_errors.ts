/**
 * What a `mysql2` error means for FastChat: a configuration mistake (exit at startup), a
 * write conflict worth retrying, a duplicate key, or the database being unavailable.
 */
import { StoreUnavailableError } from "./store.ts";

/** The fields `mysql2` sets on its errors (all optional: a socket error has only `code`). */
interface MysqlError {
  code?: string;
  errno?: number;
  sqlState?: string;
  fatal?: boolean;
  message?: string;
}

function fields(error: unknown): MysqlError {
  return typeof error === "object" && error !== null ? error as MysqlError : {};
}

/** Server error numbers (https://mariadb.com/kb/en/mariadb-error-codes/). */
const ER_DBACCESS_DENIED = 1044;
const ER_ACCESS_DENIED = 1045;
const ER_BAD_DB = 1049;
const ER_CON_COUNT = 1040;
const ER_SERVER_SHUTDOWN = 1053;
const ER_DUP_ENTRY = 1062;
const ER_TABLEACCESS_DENIED = 1142;
const ER_LOCK_WAIT_TIMEOUT = 1205;
const ER_LOCK_DEADLOCK = 1213;
const ER_CONNECTION_KILLED = 1927;

/** A unique key already holds the value (e.g. a taken name). */
export function isDuplicateKey(error: unknown): boolean {
  return fields(error).errno === ER_DUP_ENTRY;
}

/** A conflict with a concurrent transaction: running the transaction again may succeed. */
export function isTransactionConflict(error: unknown): boolean {
  const errno = fields(error).errno;
  return errno === ER_DUP_ENTRY || errno === ER_LOCK_DEADLOCK || errno === ER_LOCK_WAIT_TIMEOUT;
}

/**
 * The connection itself failed (refused, lost, timed out, name not resolved): the server
 * may come back, so this is worth retrying, unlike an error the server answered with.
 */
export function isConnectionFailure(error: unknown): boolean {
  const { errno, fatal, sqlState } = fields(error);
  if (fatal && sqlState === undefined) return true;
  // SQL state class 08 is "connection exception"; the others are a server going away.
  if (sqlState?.startsWith("08")) return true;
  if (errno === ER_CON_COUNT || errno === ER_SERVER_SHUTDOWN) return true;
  if (errno === ER_CONNECTION_KILLED) return true;
  // Socket errors carry a negative errno (or none) and no SQL state.
  return sqlState === undefined && (errno === undefined || errno < 0);
}

/** The server refused our credentials or database: retrying will not help. */
export function describeConfigProblem(error: unknown): string | null {
  const { errno, message } = fields(error);
  switch (errno) {
    case ER_ACCESS_DENIED:
      return `wrong user name or password (${message})`;
    case ER_DBACCESS_DENIED:
      return `the database does not exist or the user has no rights on it (${message})`;
    case ER_BAD_DB:
      return `the database does not exist (${message}); create it as docs/mysql.md shows`;
    case ER_TABLEACCESS_DENIED:
      return `the user lacks a privilege docs/mysql.md lists (${message})`;
    default:
      return null;
  }
}

/** A one-line description of any error. */
export function errorLine(error: unknown): string {
  const { code, message } = fields(error);
  const text = (message ?? String(error)).replaceAll(/\s+/g, " ").trim();
  return code && !text.includes(code) ? `${code}: ${text}` : text || String(code);
}

/** The StoreUnavailableError for a failed store call. */
export function unavailable(error: unknown): StoreUnavailableError {
  if (error instanceof StoreUnavailableError) return error;
  return new StoreUnavailableError(`MySQL: ${errorLine(error)}`, { cause: error });
}
