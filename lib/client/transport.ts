/**
 * Opening the byte stream to a server: TCP or TLS, with a timeout, and every failure turned
 * into one sentence a person can act on, in the client's language.
 */
import { t } from "./i18n.ts";

/** Where the server is and how to reach it. */
export interface Endpoint {
  host: string;
  port: number;
  tls: boolean;
  /** PEM CA certificates to trust besides the system ones (a private CA). */
  caCerts?: string[];
}

/** Opens a connection to an endpoint; injectable so tests can count or fail dials. */
export type Dialer = (endpoint: Endpoint) => Promise<Deno.Conn>;

/** A connection that could not be opened; `message` is a sentence for people. */
export class ConnectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConnectError";
  }
}

/** How long opening a connection (and the TLS handshake) may take. */
export const CONNECT_TIMEOUT_MS = 10_000;

/** `host:port`, with brackets around an IPv6 address. */
export function formatEndpoint(endpoint: Endpoint): string {
  const host = endpoint.host.includes(":") ? `[${endpoint.host}]` : endpoint.host;
  return `${host}:${endpoint.port}`;
}

/** A sentence describing why connecting to `endpoint` failed with `error`. */
export function describeConnectError(error: unknown, endpoint: Endpoint): string {
  const where = formatEndpoint(endpoint);
  if (error instanceof ConnectError) return error.message;
  if (error instanceof Deno.errors.ConnectionRefused) return t("connect.refused", { where });
  if (error instanceof Deno.errors.TimedOut) return t("connect.timedOut", { where });
  if (error instanceof Deno.errors.NotFound || /lookup|resolve|name or service/i.test(`${error}`)) {
    return t("connect.unknownHost", { where, host: endpoint.host });
  }
  if (error instanceof Deno.errors.ConnectionReset || error instanceof Deno.errors.BrokenPipe) {
    return t(endpoint.tls ? "connect.closedTls" : "connect.closed", { where });
  }
  const detail = error instanceof Error ? error.message : String(error);
  return t(endpoint.tls ? "connect.tlsFailed" : "connect.failed", { where, detail });
}

/** The default dialer: `Deno.connect` or `Deno.connectTls` plus the handshake. */
export async function dial(endpoint: Endpoint): Promise<Deno.Conn> {
  if (!endpoint.tls) {
    const conn = await Deno.connect({ hostname: endpoint.host, port: endpoint.port });
    conn.setNoDelay(true);
    return conn;
  }
  const conn = await Deno.connectTls({
    hostname: endpoint.host,
    port: endpoint.port,
    caCerts: endpoint.caCerts,
  });
  try {
    await conn.handshake();
  } catch (error) {
    conn.close();
    throw error;
  }
  return conn;
}

/** Dials with a timeout; rejects with a {@linkcode ConnectError} carrying the sentence. */
export async function openConnection(
  endpoint: Endpoint,
  dialer: Dialer = dial,
  timeoutMs = CONNECT_TIMEOUT_MS,
): Promise<Deno.Conn> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const attempt = dialer(endpoint);
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ConnectError(
            t("connect.noAnswer", {
              where: formatEndpoint(endpoint),
              seconds: Math.round(timeoutMs / 1000),
            }),
          ),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([attempt, timeout]);
  } catch (error) {
    // A dial that finishes after the timeout must not leak its socket.
    attempt.then((conn) => conn.close(), () => {});
    throw new ConnectError(describeConnectError(error, endpoint));
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The endpoint of `host`, `port` and `tls`, trusting the CA certificates in `caFile` when
 * one is given; a sentence when that file cannot be read.
 */
export async function resolveEndpoint(
  where: { host: string; port: number; tls: boolean; caFile: string | null },
): Promise<{ ok: true; endpoint: Endpoint } | { ok: false; message: string }> {
  const endpoint: Endpoint = { host: where.host, port: where.port, tls: where.tls };
  if (where.caFile === null) return { ok: true, endpoint };
  try {
    endpoint.caCerts = [await Deno.readTextFile(where.caFile)];
  } catch (error) {
    const file = where.caFile;
    const message = error instanceof Deno.errors.NotFound
      ? t("connect.noCaFile", { file })
      : t("connect.badCaFile", { file, detail: String(error) });
    return { ok: false, message };
  }
  return { ok: true, endpoint };
}
