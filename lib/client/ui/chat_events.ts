/** How each event of the chat client shows in the chat view. */
import type { ClientEvent } from "../events.ts";
import {
  bannedSentence,
  formatDm,
  formatError,
  formatMessage,
  formatNotice,
  kickedSentence,
  sanitize,
  shutdownSentence,
} from "../format.ts";
import { type ChatView, EXIT } from "./chat_view.ts";

/** Shows `event` in `view`. */
export function renderEvent(view: ChatView, event: ClientEvent): void {
  const now = new Date();
  switch (event.type) {
    case "message":
      return view.showRoomMessage(event.message);
    case "dm":
      view.directMessage(event.message.user);
      return view.print(formatDm(event.message, view.client.user, view.style));
    case "joined":
    case "left":
      return view.showPresence(event.type, event.room, event.user, now);
    case "notice":
      return view.print(formatNotice(event.text, now, view.style));
    case "shutdown":
      return view.print(formatNotice(shutdownSentence(event.message, event.in), now, view.style));
    case "frame_too_large":
      return view.error(
        `The server sent something too large to show (${event.bytes} bytes; the limit is ${event.limit}); it was skipped.`,
      );
    case "room_deleted":
      return view.queueWork(() =>
        view.roomGone(event.room, `The room ${event.room} was deleted by an admin.`)
      );
    case "topic":
      return view.showTopic(event.room, event.topic, event.user, now);
    case "edited":
      return view.showChanged(
        event.message.room ?? null,
        event.message.msgid,
        formatMessage(event.message, view.client.user, view.style),
        "✎",
      );
    case "read":
      return view.readElsewhere(event.room, event.msgid);
    case "deleted": {
      const by = event.by ? ` by ${sanitize(event.by)}` : "";
      const line = view.style.dim(`(a message was deleted${by})`);
      return view.showChanged(event.room, event.msgid, line, "✗");
    }
    case "server_error":
      return view.error(`The server says: ${event.message}`);
    case "kicked":
    case "banned": {
      const sentence = event.type === "kicked"
        ? kickedSentence(event.until, event.reason)
        : bannedSentence(event.reason);
      view.farewell(formatError(sentence, view.style));
      return view.error(sentence);
    }
    case "reconnecting":
      if (event.first) view.error("Connection lost; reconnecting…");
      return view.refreshPrompt();
    case "reconnected":
      view.info("Reconnected.");
      return view.refreshPrompt();
    case "rejoin_failed":
      view.error(`Could not re-join ${event.room}: ${event.message}`);
      return view.forgetRoom(event.room);
    case "ended":
      if (event.reason === "closed") return;
      if (event.reason === "login_failed") {
        view.farewell(formatError(event.message, view.style));
        view.error(event.message);
      }
      return view.end(event.reason === "login_failed" ? EXIT.failure : EXIT.removed);
  }
}
