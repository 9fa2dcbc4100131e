/**
 * In-process servers by the port number the tests pass around. An in-process server has no
 * TCP port: it registers a number above 65535 (which no socket can have), and the test
 * clients dial it in memory when given that number. So a conformance test reads the same
 * whichever transport runs it.
 */

/** The byte methods every test connection offers, socket or memory. */
export interface TestConn {
  read(buffer: Uint8Array): Promise<number | null>;
  write(bytes: Uint8Array): Promise<number>;
  close(): void;
  closeWrite(): Promise<void>;
}

/** Makes a connection to an in-process server from `hostname` (a 127.x.y.z address). */
export type Dialer = (hostname: string) => TestConn;

/** The first number handed out (65536: not a TCP port). */
const FIRST_MEMORY_PORT = 65_536;

let _next = FIRST_MEMORY_PORT;
const _dialers = new Map<number, Dialer>();

/** Registers `dial` under a fresh memory port and returns that port. */
export function registerMemoryEndpoint(dial: Dialer): number {
  const port = _next++;
  _dialers.set(port, dial);
  return port;
}

/** Forgets a memory port (connecting to it then fails). */
export function unregisterMemoryEndpoint(port: number): void {
  _dialers.delete(port);
}

/** Whether `port` names an in-process server (registered or not any more). */
export function isMemoryPort(port: number): boolean {
  return port >= FIRST_MEMORY_PORT;
}

/**
 * Connects to `port`: in memory for an in-process server's port, else over TCP to
 * `host` (no Nagle delay). `from` is the client address an in-process server sees.
 *
 * @throws {Deno.errors.ConnectionRefused} for a memory port whose server is gone.
 */
export async function connectTo(
  port: number,
  host = "127.0.0.1",
  from = "127.0.0.1",
): Promise<TestConn> {
  if (isMemoryPort(port)) {
    const dial = _dialers.get(port);
    if (!dial) throw new Deno.errors.ConnectionRefused(`No in-process server on ${port}`);
    return dial(from);
  }
  const conn = await Deno.connect({ hostname: host, port });
  conn.setNoDelay(true);
  return conn;
}
