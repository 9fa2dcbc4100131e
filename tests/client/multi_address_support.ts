/**
 * Helpers of the several-address tests (issue 16): dead ports, and two independent
 * single-process servers given the same accounts and history, as instances of one service
 * would share them.
 */
import assert from "node:assert/strict";
import { FrameClient } from "../support/frame_client.ts";
import type { ServerProcess } from "../support/server_process.ts";

/** The password of every account these tests make. */
export const PASSWORD = "correct horse";

/** The admin password `startServer` gives every server. */
export const ADMIN_PASSWORD = "test-admin-password";

/** A loopback port with nothing listening on it (bound once, then closed). */
export function deadPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** `127.0.0.1:<port>`. */
export function at(port: number): string {
  return `127.0.0.1:${port}`;
}

/**
 * Registers `bob` and `users` on each server and has `bob` say `history` in `general` on
 * each, so that every server holds the same messages under the same msgids (independent
 * servers number their messages alike; the client compares msgids to drop repeats).
 */
export async function sameHistory(
  servers: ServerProcess[],
  users: string[],
  history: string[],
): Promise<void> {
  const msgids: string[][] = [];
  for (const server of servers) {
    const bob = await FrameClient.connect(server.port);
    await bob.registerAndLogin("bob", PASSWORD);
    for (const user of users) await bob.ok({ type: "register", user, password: PASSWORD });
    await bob.ok({ type: "join", room: "general" });
    const ids: string[] = [];
    for (const text of history) {
      ids.push((await bob.ok({ type: "say", room: "general", text })).msgid as string);
    }
    msgids.push(ids);
    bob.close();
  }
  for (const ids of msgids.slice(1)) {
    assert.deepEqual(ids, msgids[0], "every server holds the history under the same msgids");
  }
}
