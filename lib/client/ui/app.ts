/** The interactive client: start screen, room picker, then the chat view. */
import type { ChatClient } from "../chat_client.ts";
import { bannedSentence, formatError, kickedSentence } from "../format.ts";
import { Style } from "../style.ts";
import {
  ANSI,
  columns,
  guardTerminal,
  processTerminal,
  restoreTerminal,
  stopKeyReading,
  type Terminal,
} from "../terminal/terminal.ts";
import { openChat } from "./chat.ts";
import { EXIT } from "./exit_codes.ts";
import { pickRoom } from "./room_picker.ts";
import { runStartFlow } from "./start_flow.ts";

/** Everything the interactive client needs. */
export interface AppContext {
  client: ChatClient;
  term: Terminal;
  style: Style;
  presetUser: string | null;
  /** A room given with `--room`: joined right after login instead of showing the picker. */
  presetRoom?: string | null;
  /** `--plain`: line mode even where the full-screen window would fit. */
  plain?: boolean;
  /** `--bell`: ring the bell on mentions and direct messages. */
  bell?: boolean;
}

/** Narrowest terminal that gets the full-screen window; narrower ones keep line mode. */
export const FULL_SCREEN_MIN_COLUMNS = 60;

/** Whether the chat uses the full-screen window: a terminal, wide enough, no `--plain`. */
export function wantsFullScreen(ctx: AppContext): boolean {
  return ctx.plain !== true && ctx.term.output.isTTY === true &&
    columns(ctx.term) >= FULL_SCREEN_MIN_COLUMNS;
}

/** Runs the interactive client to its end; resolves with the exit code. */
export async function runInteractive(ctx: AppContext): Promise<number> {
  const { client, term, style } = ctx;
  // Kicked or banned while still in the menus: say so and stop.
  const removed = Promise.withResolvers<number>();
  const off = client.on((event) => {
    if (event.type === "kicked" || event.type === "banned") {
      const sentence = event.type === "kicked"
        ? kickedSentence(event.until, event.reason)
        : bannedSentence(event.reason);
      term.output.write(`\n${formatError(sentence, style)}\n`);
      removed.resolve(EXIT.removed);
    }
  });
  const menus = async (): Promise<number> => {
    if (!await runStartFlow(ctx)) return EXIT.ok;
    let preset = ctx.presetRoom ?? null;
    while (true) {
      const room = preset ?? await pickRoom(ctx);
      preset = null;
      if (room === null) {
        await client.logout();
        return EXIT.ok;
      }
      const joined = await client.join(room);
      if (joined.ok) {
        off();
        const view = openChat(client, term, style, joined, {
          fullScreen: wantsFullScreen(ctx),
          bell: ctx.bell,
        });
        return await view.finished;
      }
      term.output.write(formatError(joined.message, style) + "\n");
    }
  };
  try {
    return await Promise.race([menus(), removed.promise]);
  } finally {
    stopKeyReading(term);
    if (term.input.isTTY) term.input.setRawMode(false);
    term.output.write(ANSI.showCursor);
  }
}

/** What {@linkcode runInTerminal} takes from the command line. */
export interface TerminalOptions {
  user: string | null;
  room: string | null;
  plain: boolean;
  bell: boolean;
}

/**
 * Runs the interactive client on the process's terminal (colours unless stdout is not a
 * terminal or `NO_COLOR` is set); the terminal is restored and the client closed however
 * it ends, a signal included. Resolves with the exit code.
 */
export async function runInTerminal(client: ChatClient, options: TerminalOptions): Promise<number> {
  const style = new Style(Deno.stdout.isTerminal() && (Deno.env.get("NO_COLOR") ?? "") === "");
  const term = processTerminal();
  const unguard = guardTerminal(term);
  try {
    return await runInteractive({
      client,
      term,
      style,
      presetUser: options.user,
      presetRoom: options.room,
      plain: options.plain,
      bell: options.bell,
    });
  } finally {
    client.close();
    restoreTerminal(term);
    unguard();
  }
}

/** After an unexpected error: puts the process's terminal back in a usable state. */
export function recoverTerminal(): void {
  if (Deno.stdin.isTerminal()) restoreTerminal(processTerminal());
}
