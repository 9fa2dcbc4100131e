/**
 * The bare relay: the bound FastChat is measured against. Same framing (FrameDecoder), same
 * per-connection merging writer (Outbound), same fan-out (one encoded frame to every member
 * of a room), and nothing else: no validation, no accounts, no store.
 *
 * A client's first line names its room (`{"type":"join","room":…,"id":…}`, answered
 * `{"type":"ok","id":…}`); every later line is passed, byte for byte, to every connection
 * in that room, the sender's included. A connection that never sends a line is idle.
 *
 * Run: `deno run -A bench/relay.ts [--port 0]`; prints `relay listening port=<port>`.
 */
import { parseArgs } from "node:util";
import { FrameDecoder } from "../lib/protocol/frame_decoder.ts";
import { Outbound } from "../lib/server/net/outbound.ts";

const OUTBOUND_LIMIT = 8 * 1024 * 1024;
const MAX_FRAME = 65_536;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

type Member = Outbound;

const rooms = new Map<string, Set<Member>>();

async function serve(conn: Deno.TcpConn): Promise<void> {
  conn.setNoDelay(true);
  const out: Member = new Outbound(conn, OUTBOUND_LIMIT, () => {});
  const frames = new FrameDecoder(MAX_FRAME);
  let buffer = new Uint8Array(1024);
  let room: Set<Member> | null = null;
  try {
    while (true) {
      const n = await conn.read(buffer);
      if (n === null) break;
      const chunk = buffer.subarray(0, n);
      // Small while idle, bigger once busy: the same policy as FastChat's connections.
      if (n === buffer.length && n < 64 * 1024) buffer = new Uint8Array(Math.min(65_536, n * 8));
      for (const item of frames.push(chunk)) {
        if (item.kind === "too_large") return;
        if (room === null) {
          const join = JSON.parse(decoder.decode(item.bytes)) as { room: string; id: number };
          room = rooms.get(join.room) ?? new Set();
          rooms.set(join.room, room);
          room.add(out);
          out.send(encoder.encode(`{"type":"ok","id":${JSON.stringify(join.id)}}\n`));
          continue;
        }
        // The line views the read buffer: copy it once, share the copy with every member.
        const frame = new Uint8Array(item.bytes.length + 1);
        frame.set(item.bytes);
        frame[item.bytes.length] = 0x0a;
        for (const member of room) member.send(frame);
      }
    }
  } catch {
    // Reset by the peer.
  } finally {
    room?.delete(out);
    out.close();
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { port: { type: "string", default: "0" } } });
  const listener = Deno.listen({ hostname: "127.0.0.1", port: Number(values.port) });
  console.log(`relay listening port=${(listener.addr as Deno.NetAddr).port}`);
  const stop = () => Deno.exit(0);
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
  for await (const conn of listener) void serve(conn as Deno.TcpConn);
}
