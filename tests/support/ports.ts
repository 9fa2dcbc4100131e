/**
 * Free TCP ports on loopback for the outside servers tests start themselves (NATS, HAProxy):
 * the kernel's picks for port 0, all distinct within one call. A port is free when picked and
 * may be taken by someone else before the server binds it, so starters retry on another port
 * when the bind fails.
 */

/**
 * `count` distinct ports nothing listens on right now: every listener is held open until
 * all are picked, so the kernel cannot hand the same port out twice.
 */
export function freePorts(count: number): number[] {
  const listeners = Array.from(
    { length: count },
    () => Deno.listen({ hostname: "127.0.0.1", port: 0 }),
  );
  const ports = listeners.map((listener) => (listener.addr as Deno.NetAddr).port);
  for (const listener of listeners) listener.close();
  return ports;
}

/** One port nothing listens on right now. */
export function freePort(): number {
  return freePorts(1)[0]!;
}

/** Whether something accepts TCP connections on `port` of 127.0.0.1 now. */
export async function accepts(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
    return true;
  } catch {
    return false;
  }
}
