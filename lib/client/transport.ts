/**
 * Opening the byte stream to a server: TCP or TLS, with a timeout, and every failure turned
 * into one sentence a person can act on, in the client's language.
 */
import { t } from "./i18n.ts";

/** One address of a server: a host name or IP address, and the chat port. */
export interface ServerAddress {
  host: string;
  port: number;
}

/** Where the server is and how to reach it. */
export interface Endpoint extends ServerAddress {
  tls: boolean;
  /** PEM CA certificates to trust besides the system ones (a private CA). */
  caCerts?: string[];
  /**
   * Several addresses of one chat service (`host1:9000,host2:9000`), used in turn: the
   * first is `host` and `port`. Absent (or of one element) for a single address.
   */
  servers?: readonly ServerAddress[];
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
export function formatAddress(address: ServerAddress): string {
  const host = address.host.includes(":") ? `[${address.host}]` : address.host;
  return `${host}:${address.port}`;
}

/**
 * `host:port`, with brackets around an IPv6 address; for an endpoint with several
 * addresses, all of them: `host1:9000, host2:9000`.
 */
export function formatEndpoint(endpoint: Endpoint): string {
  const servers = endpoint.servers ?? [];
  return servers.length > 1 ? servers.map(formatAddress).join(", ") : formatAddress(endpoint);
}

/**
 * The endpoints to use in turn: one per address of `endpoint.servers` (or `endpoint`
 * alone), each with the endpoint's TLS settings and no list of its own.
 */
export function endpointList(endpoint: Endpoint): Endpoint[] {
  const { servers: _servers, ...settings } = endpoint;
  const servers = endpoint.servers ?? [];
  if (servers.length <= 1) return [settings];
  return servers.map(({ host, port }) => ({ ...settings, host, port }));
}

/** A sentence describing why connecting to `endpoint` failed with `error`. */
export function describeConnectError(error: unknown, endpoint: Endpoint): string {
  const where = formatAddress(endpoint);
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
              where: formatAddress(endpoint),
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
 * The endpoint of `host`, `port` and `tls` (and of every address of `servers`, when there
 * are several), trusting the CA certificates in `caFile` when one is given; a sentence when
 * that file cannot be read.
 */
export async function resolveEndpoint(
  where: {
    host: string;
    port: number;
    tls: boolean;
    caFile: string | null;
    servers?: readonly ServerAddress[];
  },
): Promise<{ ok: true; endpoint: Endpoint } | { ok: false; message: string }> {
  const endpoint: Endpoint = { host: where.host, port: where.port, tls: where.tls };
  if (where.servers !== undefined && where.servers.length > 1) {
    endpoint.servers = where.servers.map(({ host, port }) => ({ host, port }));
  }
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
