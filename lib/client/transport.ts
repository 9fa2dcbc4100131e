/**
 * Opening the byte stream to a server: TCP or TLS, with a timeout, and every failure turned
 * into one sentence a person can act on.
 */

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
  if (error instanceof Deno.errors.ConnectionRefused) {
    return `Cannot connect to ${where}: nothing is listening there (is the server running, and is the port right?).`;
  }
  if (error instanceof Deno.errors.TimedOut) {
    return `Cannot connect to ${where}: the connection timed out.`;
  }
  if (error instanceof Deno.errors.NotFound || /lookup|resolve|name or service/i.test(`${error}`)) {
    return `Cannot connect to ${where}: the host name "${endpoint.host}" is not known.`;
  }
  if (error instanceof Deno.errors.ConnectionReset || error instanceof Deno.errors.BrokenPipe) {
    return `Cannot connect to ${where}: the server closed the connection${
      endpoint.tls ? " during the TLS handshake (does it use TLS?)" : ""
    }.`;
  }
  const detail = error instanceof Error ? error.message : String(error);
  if (endpoint.tls) {
    return `TLS connection to ${where} failed (${detail}): check that the server uses TLS and that its certificate is trusted (--ca FILE).`;
  }
  return `Cannot connect to ${where}: ${detail}.`;
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
            `Cannot connect to ${formatEndpoint(endpoint)}: no answer within ${
              Math.round(timeoutMs / 1000)
            } s.`,
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
