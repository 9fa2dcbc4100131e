/**
 * fastchat-client: reads the arguments, connects, and runs either the interactive terminal
 * client or, when stdin is not a terminal, pipe mode. Everything else lives in `lib/client/`.
 */
import denoJson from "./deno.json" with { type: "json" };
import { clientHelp, langFlag, parseClientArgs, pipeModeMissing } from "./lib/client/args.ts";
import { ChatClient } from "./lib/client/chat_client.ts";
import { runPipe } from "./lib/client/pipe_mode.ts";
import { t, useClientLanguage } from "./lib/client/i18n.ts";
import { languageFromEnvironment } from "./lib/i18n/languages.ts";
import { err, out } from "./lib/client/stdio.ts";
import { ConnectError, formatEndpoint, resolveEndpoint } from "./lib/client/transport.ts";
import { recoverTerminal, runInTerminal } from "./lib/client/ui/app.ts";

const VERSION = denoJson.version;

/** One environment variable, or undefined when unset or not allowed. */
function _env(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

/** Prints `line` with `print` and answers the exit code `code`. */
function said(print: (line: string) => void, line: string, code: number): number {
  print(line);
  return code;
}

async function main(): Promise<number> {
  // The language first, so that --help and argument errors speak it (an unknown --lang
  // gives English here, and the parse below names the problem).
  useClientLanguage(languageFromEnvironment(langFlag(Deno.args), _env));
  const parsed = parseClientArgs(Deno.args);
  if (parsed.kind === "help") return said(out, clientHelp(VERSION), 0);
  if (parsed.kind === "version") return said(out, `fastchat-client ${VERSION}`, 0);
  if (parsed.kind === "error") {
    return said(err, `fastchat-client: ${t("cli.seeHelp", { problem: parsed.message })}`, 2);
  }
  const args = parsed.args;
  const interactive = Deno.stdin.isTerminal();
  const password = Deno.env.get("FASTCHAT_PASSWORD") ?? "";
  const missing = interactive ? null : pipeModeMissing(args, password);
  if (missing !== null) return said(err, `fastchat-client: ${missing}`, 2);
  const resolved = await resolveEndpoint(args);
  if (!resolved.ok) return said(err, `fastchat-client: ${resolved.message}`, 1);
  if (interactive) out(t("start.connecting", { server: formatEndpoint(resolved.endpoint) }));
  let client: ChatClient;
  try {
    client = await ChatClient.connect({ endpoint: resolved.endpoint });
  } catch (error) {
    if (!(error instanceof ConnectError)) throw error;
    return said(err, `fastchat-client: ${error.message}`, 1);
  }
  if (interactive) return await runInTerminal(client, args);
  const { user, room, json } = args;
  const input = Deno.stdin.readable;
  return await runPipe({ client, user: user!, password, room: room!, json, input, out, err });
}

try {
  // Exit explicitly: a pending read of the terminal must not keep the process alive.
  Deno.exit(await main());
} catch (error) {
  recoverTerminal();
  const problem = error instanceof Error ? error.message : String(error);
  err(`fastchat-client: ${t("cli.unexpected", { problem })}`);
  Deno.exit(1);
}
