/** The interactive client: start screen, room picker, then the chat view. */
import type { ChatClient } from "../chat_client.ts";
import { bannedSentence, formatError, kickedSentence } from "../format.ts";
import type { Style } from "../style.ts";
import { ANSI, stopKeyReading, type Terminal } from "../terminal/terminal.ts";
import { ChatView, EXIT } from "./chat_view.ts";
import { pickRoom } from "./room_picker.ts";
import { runStartFlow } from "./start_flow.ts";

/** Everything the interactive client needs. */
export interface AppContext {
  client: ChatClient;
  term: Terminal;
  style: Style;
  presetUser: string | null;
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
    while (true) {
      const room = await pickRoom(ctx);
      if (room === null) {
        await client.logout();
        return EXIT.ok;
      }
      const joined = await client.join(room);
      if (joined.ok) {
        off();
        const view = new ChatView(client, term, style);
        view.info("Type a message and press Enter. /help lists the commands.");
        view.enterRoom(joined);
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
