/** Binding the server's two ports; a failure is a one-line error naming the address. */
import { AdminListener, PrivateServerError } from "../admin/listener.ts";
import type { Logger } from "../common/log.ts";
import type { ServerSettings } from "./config.ts";

/** Binds the chat port (TLS when configured); throws an Error naming the address. */
export async function listenChat(settings: ServerSettings): Promise<Deno.Listener> {
  const { host, port, tlsCert, tlsKey } = settings;
  try {
    return tlsCert && tlsKey
      ? Deno.listenTls({
        hostname: host,
        port,
        cert: await Deno.readTextFile(tlsCert),
        key: await Deno.readTextFile(tlsKey),
      })
      : Deno.listen({ hostname: host, port });
  } catch (error) {
    throw new Error(`cannot listen on the chat port ${host}:${port}: ${(error as Error).message}`);
  }
}

/**
 * Binds the admin port and starts its private HTTP server; throws an Error naming the
 * address, or saying why the private server's Unix socket could not be made (see
 * `docs/security.md`: there is no fallback to a private TCP port).
 */
export function bindAdmin(
  settings: ServerSettings,
  maxConnections: number,
  log: Logger,
): AdminListener {
  const { adminHost, adminPort } = settings;
  try {
    return AdminListener.bind({ hostname: adminHost, port: adminPort, maxConnections, log });
  } catch (error) {
    if (error instanceof PrivateServerError) throw new Error(error.message);
    throw new Error(
      `cannot listen on the admin port ${adminHost}:${adminPort}: ${(error as Error).message}`,
    );
  }
}
