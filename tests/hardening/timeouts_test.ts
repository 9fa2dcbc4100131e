/**
 * Connection timeouts over real sockets: no login in time, a half-sent frame that stalls
 * (slowloris), and a logged-in connection that goes silent. Each is closed with an `error`
 * frame `timeout` saying why; a client that keeps pinging stays connected.
 */
import { equal, match, ok } from "node:assert/strict";
import { FrameClient } from "../support/frame_client.ts";
import { startServer } from "../support/server_process.ts";
import { waitFor } from "./support.ts";

/** Waits for the server's log to show a line matching `pattern`. */
function logShows(server: { log(): string }, pattern: RegExp): Promise<true> {
  return waitFor(`a log line ${pattern}`, () => pattern.test(server.log()));
}

Deno.test("timeouts: bad input a connection that never logs in is closed with an error saying why", async () => {
  const server = await startServer({ limits: true, args: ["--login-timeout", "1"] });
  const client = await FrameClient.connect(server.port);
  try {
    await client.ok({ type: "ping" }); // Activity does not count as logging in.
    const error = await client.next((f) => f.type === "error");
    equal(error.code, "timeout");
    match(error.message as string, /No login within 1 second/);
    await client.closed;
    await logShows(server, /connection_closed.*login timeout/);
  } finally {
    client.close();
    await server.cleanup();
  }
});

Deno.test("timeouts: a connection that logs in in time is not closed by the login timeout", async () => {
  const server = await startServer({ limits: true, args: ["--login-timeout", "1"] });
  const client = await FrameClient.connect(server.port);
  const watcher = await FrameClient.connect(server.port);
  try {
    await client.registerAndLogin("punctual");
    // The watcher, never logged in, is closed; by then the logged-in client is long past 1 s.
    await watcher.next((f) => f.type === "error" && f.code === "timeout");
    await watcher.closed;
    await client.ok({ type: "ping" });
    equal(client.isClosed, false);
  } finally {
    client.close();
    watcher.close();
    await server.cleanup();
  }
});

Deno.test("timeouts: bad input a half-sent frame that stalls (slowloris) is closed", async () => {
  const server = await startServer({ limits: true, args: ["--frame-timeout", "0.5"] });
  const client = await FrameClient.connect(server.port);
  try {
    await client.writeRaw('{"type":"ping","id":1}\n{"type":"pi');
    await client.next((f) => f.type === "ok" && f.id === 1);
    await client.writeRaw("n"); // Trickling bytes does not restart the clock.
    const error = await client.next((f) => f.type === "error");
    equal(error.code, "timeout");
    match(error.message as string, /frame was started but not finished within 0\.5 seconds/);
    await client.closed;
    await logShows(server, /connection_closed.*frame timeout/);
  } finally {
    client.close();
    await server.cleanup();
  }
});

Deno.test("timeouts: an idle logged-in connection is closed; one that pings stays", async () => {
  const server = await startServer({ limits: true, args: ["--idle-timeout", "1"] });
  const idle = await FrameClient.connect(server.port);
  const pinger = await FrameClient.connect(server.port);
  let pinging = true;
  try {
    await idle.registerAndLogin("sleepy");
    await pinger.registerAndLogin("awake");
    const loop = (async () => {
      while (pinging) {
        await pinger.ok({ type: "ping" });
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    const error = await idle.next((f) => f.type === "error");
    equal(error.code, "timeout");
    match(error.message as string, /Nothing received for 1 second.*ping/);
    await idle.closed;
    // The pinger outlived the idle one by well over the timeout and is still served.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    pinging = false;
    await loop;
    await pinger.ok({ type: "ping" });
    ok(!pinger.isClosed);
    await logShows(server, /connection_closed.*user=sleepy.*idle timeout/);
  } finally {
    pinging = false;
    idle.close();
    pinger.close();
    await server.cleanup();
  }
});
