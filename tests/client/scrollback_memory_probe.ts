/**
 * Run by `scrollback_memory_test.ts` in a process of its own (`--expose-gc`): puts `N` room
 * messages (default 50,000), parsed from JSON lines as the client receives them, through the
 * real full-screen pane (`FullScreenPainter`, which keeps them in its `Scrollback`) drawing
 * on a 120×40 terminal whose output is discarded, and prints one JSON line: the heap and
 * external memory retained after a full collection, before and after, and per line.
 *
 *   deno run --v8-flags=--expose-gc tests/client/scrollback_memory_probe.ts [N]
 */
import { Writable } from "node:stream";
import { FullScreenPainter } from "../../lib/client/terminal/full_screen.ts";
import type { Terminal } from "../../lib/client/terminal/terminal.ts";
import { Style } from "../../lib/client/style.ts";
import { formatMessage } from "../../lib/client/format.ts";
import type { ChatMessage } from "../../lib/protocol/server_frames.ts";

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --v8-flags=--expose-gc");
const count = Number(Deno.args[0] ?? 50_000);

/** Heap and external (typed arrays) bytes in use after a full collection. */
async function retained(): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 50)); // pending paints first
  gc!();
  gc!();
  const usage = Deno.memoryUsage();
  return usage.heapUsed + usage.external;
}

const output = Object.assign(
  new Writable({ write: (_chunk, _encoding, done) => done() }),
  { columns: 120, rows: 40, isTTY: true },
);
const term = { output, input: null } as unknown as Terminal;
const style = new Style(true);
const painter = new FullScreenPainter(term, style);
painter.formatWith((message) => formatMessage(message, "alice", style));
painter.show("general");

const before = await retained();
const start = Date.parse("2026-11-30T12:00:00.000Z");
for (let i = 0; i < count; i++) {
  const frame = JSON.stringify({
    type: "message",
    msgid: String(i + 1).padStart(16, "0"),
    room: "general",
    user: i % 7 === 0 ? "carol" : "bob",
    text: `message ${i} of the burst, a line of ordinary chat text with some words`,
    ts: new Date(start + i * 10).toISOString(),
  });
  painter.appendMessage("general", JSON.parse(frame) as ChatMessage);
  if (i % 1000 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
}
const after = await retained();
painter.close();
console.log(JSON.stringify({
  lines: count,
  retainedBytes: after - before,
  bytesPerLine: Math.round((after - before) / count),
}));
