/**
 * fastchat-client: reads the arguments, connects, and runs either the interactive terminal
 * client or, when stdin is not a terminal, pipe mode. Everything else lives in `lib/client/`.
 */
import denoJson from "./deno.json" with { type: "json" };
import { clientHelp, parseClientArgs } from "./lib/client/args.ts";
import { ChatClient } from "./lib/client/chat_client.ts";
import { runPipe } from "./lib/client/pipe_mode.ts";
import { Style } from "./lib/client/style.ts";
import { guardTerminal, processTerminal, restoreTerminal } from "./lib/client/terminal/terminal.ts";
import { ConnectError, type Endpoint, formatEndpoint } from "./lib/client/transport.ts";
import { runInteractive } from "./lib/client/ui/app.ts";

const VERSION = denoJson.version;
const encoder = new TextEncoder();

/** Writes a whole line to stdout or stderr; a closed pipe (e.g. `| head`) is not an error. */
function writeLine(file: typeof Deno.stdout | typeof Deno.stderr, line: string): void {
  const bytes = encoder.encode(line + "\n");
  try {
    let written = 0;
    while (written < bytes.length) written += file.writeSync(bytes.subarray(written));
  } catch {
    // The reader went away; nothing useful to do with the output.
  }
}

const out = (line: string) => writeLine(Deno.stdout, line);
const err = (line: string) => writeLine(Deno.stderr, line);

async function main(): Promise<number> {
  const parsed = parseClientArgs(Deno.args);
  if (parsed.kind === "help") {
    out(clientHelp(VERSION));
    return 0;
  }
  if (parsed.kind === "version") {
    out(`fastchat-client ${VERSION}`);
    return 0;
  }
  if (parsed.kind === "error") {
    err(`fastchat-client: ${parsed.message} See --help.`);
    return 2;
  }
  const args = parsed.args;
  const interactive = Deno.stdin.isTerminal();
  const password = Deno.env.get("FASTCHAT_PASSWORD") ?? "";
  if (!interactive) {
    const missing = [
      args.user === null ? "--user NAME" : null,
      args.room === null ? "--room ROOM" : null,
      password === "" ? "the FASTCHAT_PASSWORD environment variable" : null,
    ].filter((item) => item !== null);
    if (missing.length > 0) {
      err(
        `fastchat-client: stdin is not a terminal, so this is pipe mode, which needs ${
          missing.join(", ")
        } (see --help)`,
      );
      return 2;
    }
  }
  const endpoint: Endpoint = { host: args.host, port: args.port, tls: args.tls };
  if (args.caFile !== null) {
    try {
      endpoint.caCerts = [await Deno.readTextFile(args.caFile)];
    } catch (error) {
      const why = error instanceof Deno.errors.NotFound ? "no such file" : String(error);
      err(`fastchat-client: Cannot read the CA file ${args.caFile}: ${why}.`);
      return 1;
    }
  }
  if (interactive) out(`Connecting to ${formatEndpoint(endpoint)}…`);
  let client: ChatClient;
  try {
    client = await ChatClient.connect({ endpoint });
  } catch (error) {
    if (!(error instanceof ConnectError)) throw error;
    err(`fastchat-client: ${error.message}`);
    return 1;
  }
  if (!interactive) {
    return await runPipe({
      client,
      user: args.user!,
      password,
      room: args.room!,
      json: args.json,
      input: Deno.stdin.readable,
      out,
      err,
    });
  }
  const style = new Style(Deno.stdout.isTerminal() && (Deno.env.get("NO_COLOR") ?? "") === "");
  const term = processTerminal();
  const unguard = guardTerminal(term);
  try {
    return await runInteractive({
      client,
      term,
      style,
      presetUser: args.user,
      presetRoom: args.room,
      plain: args.plain,
      bell: args.bell,
    });
  } finally {
    client.close();
    restoreTerminal(term);
    unguard();
  }
}

try {
  // Exit explicitly: a pending read of the terminal must not keep the process alive.
  Deno.exit(await main());
} catch (error) {
  if (Deno.stdin.isTerminal()) restoreTerminal(processTerminal());
  err(`fastchat-client: unexpected error: ${error instanceof Error ? error.message : error}`);
  Deno.exit(1);
}
