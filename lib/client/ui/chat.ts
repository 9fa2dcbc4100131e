/**
 * The chat screen put together: a {@linkcode ChatView} whose typed lines run as commands
 * (`chat_commands.ts`) and which shows the client's events (`chat_events.ts`). The view
 * knows neither, so the three modules import in one direction only.
 */
import { t } from "../i18n.ts";
import type { ChatClient, JoinResult } from "../chat_client.ts";
import type { Style } from "../style.ts";
import type { Terminal } from "../terminal/terminal.ts";
import { runCommand, showHistory } from "./chat_commands.ts";
import { renderEvent } from "./chat_events.ts";
import { ChatView, type ChatViewOptions } from "./chat_view.ts";
import { syncUnread } from "./unread_sync.ts";

/** Messages fetched when PageUp reaches the top of the pane. */
export const HISTORY_PAGE = 50;

/** Opens the chat view on the room just joined; its `finished` resolves with the exit code. */
export function openChat(
  client: ChatClient,
  term: Terminal,
  style: Style,
  joined: Extract<JoinResult, { ok: true }>,
  options: ChatViewOptions = {},
): ChatView {
  const view = new ChatView(client, term, style, options);
  view.onLine((line) => runCommand(view, line));
  // PageUp at the top of the pane fetches the page before it.
  view.onTopReached(() => showHistory(view, HISTORY_PAGE));
  client.on((event) => renderEvent(view, event));
  view.enterRoom(joined);
  view.info(t("chat.welcome"));
  view.queueWork(() => syncUnread(view));
  return view;
}
