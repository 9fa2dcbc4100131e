/** How each event of the chat client shows in the chat view. */
import type { ClientEvent } from "../events.ts";
import { t } from "../i18n.ts";
import {
  bannedSentence,
  formatDm,
  formatError,
  formatNotice,
  kickedSentence,
  shutdownSentence,
} from "../format.ts";
import type { ChatView } from "./chat_view.ts";
import { EXIT } from "./exit_codes.ts";
import { syncUnread } from "./unread_sync.ts";

/** Shows `event` in `view`. */
export function renderEvent(view: ChatView, event: ClientEvent): void {
  const now = new Date();
  switch (event.type) {
    case "message":
      return view.showRoomMessage(event.message);
    case "dm":
      view.directMessage(event.message.user);
      view.print(formatDm(event.message, view.client.user, view.style));
      return view.directMessageShown(event.message);
    case "joined":
    case "left":
      return view.showPresence(event.type, event.room, event.user, now);
    case "presence":
      return view.showPresenceBatch(event, now);
    case "notice":
      return view.print(formatNotice(event.text, now, view.style));
    case "shutdown":
      return view.print(formatNotice(shutdownSentence(event.message, event.in), now, view.style));
    case "frame_too_large":
      return view.error(
        t("event.tooLarge", { bytes: event.bytes, limit: event.limit }),
      );
    case "room_deleted":
      return view.queueWork(() =>
        view.roomGone(event.room, t("event.roomDeleted", { room: event.room }))
      );
    case "topic":
      return view.showTopic(event.room, event.topic, event.user, now);
    case "edited":
      return view.showEdited(event.message);
    case "read":
      return view.readElsewhere(event.room, event.msgid);
    case "deleted":
      return view.showDeleted(event.room, event.msgid, event.by);
    case "server_error":
      return view.error(t("event.serverSays", { message: event.message }));
    case "kicked":
    case "banned": {
      const sentence = event.type === "kicked"
        ? kickedSentence(event.until, event.reason)
        : bannedSentence(event.reason);
      view.farewell(formatError(sentence, view.style));
      return view.error(sentence);
    }
    case "reconnecting":
      if (event.first) view.error(t("event.lost"));
      return view.refreshPrompt();
    case "reconnected":
      view.info(t("event.reconnected"));
      view.refreshPrompt();
      // What arrived while away, as the server counts it (another device may have read it).
      return view.queueWork(() => syncUnread(view));
    case "send_delayed":
      return view.sendDelayed(event);
    case "rejoin_failed":
      return view.forgetRoom(
        event.room,
        formatError(
          t("event.rejoinFailed", { room: event.room, reason: event.message }),
          view.style,
        ),
      );
    case "ended":
      if (event.reason === "closed") return;
      if (event.reason === "login_failed") {
        view.farewell(formatError(event.message, view.style));
        view.error(event.message);
      }
      return view.end(event.reason === "login_failed" ? EXIT.failure : EXIT.removed);
  }
}
