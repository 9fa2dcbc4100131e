/**
 * Issue 17's memory goal, the part the client's code decides: 50,000 lines of scrollback
 * (room messages parsed from JSON as they arrive) through the real full-screen pane retain
 * well under the client's budget. The client starts at about 75 MB RSS and must stay under
 * 100 MB with 50,000 lines; the pane keeps about 5.6 MB for them (about 110 bytes a line,
 * against about 11 MB before it was made compact), so the bound here, 15 MB, leaves a wide
 * margin while still failing if lines are kept as objects again or pre-rendered copies pile
 * up. The measure is taken in a process of its own (`scrollback_memory_probe.ts`, with
 * `--expose-gc` added to the client's own V8 flags), after full collections.
 */
import assert from "node:assert/strict";
import { CLIENT } from "../../scripts/lib/binaries.ts";

const PROBE = new URL("./scrollback_memory_probe.ts", import.meta.url).pathname;
const LIMIT_BYTES = 15 * 1024 * 1024;

/** The client's own `--v8-flags` values, with `--expose-gc` added. */
function v8Flags(): string {
  const own = CLIENT.permissions.find((flag) => flag.startsWith("--v8-flags="));
  const values = own === undefined ? [] : own.slice("--v8-flags=".length).split(",");
  return `--v8-flags=${[...values, "--expose-gc"].join(",")}`;
}

Deno.test("scrollback memory: 50,000 lines in the full-screen pane retain under 15 MB", async () => {
  const result = await new Deno.Command(Deno.execPath(), {
    args: ["run", v8Flags(), PROBE, "50000"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(result.stderr);
  assert.ok(result.success, stderr);
  const measured = JSON.parse(new TextDecoder().decode(result.stdout).trim().split("\n").at(-1)!);
  assert.equal(measured.lines, 50_000);
  assert.ok(
    measured.retainedBytes < LIMIT_BYTES,
    `retained ${measured.retainedBytes} bytes (${measured.bytesPerLine} a line)`,
  );
});
