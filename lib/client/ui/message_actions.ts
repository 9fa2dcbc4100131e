/**
 * `/edit`, `/delete` and `/report` (protocol 1.1): each addresses the Nth last message of the
 * room on screen (1 = the newest): for `/edit` and `/delete` the Nth last of your own, for
 * `/report` anyone's. Every refusal becomes one sentence in the view, in the client's language
 * (the catalog picks the verb's words with an ICU `select` on `verb`).
 */
import type { ChatMessage } from "../../protocol/server_frames.ts";
import { notOffered } from "../commands.ts";
import type { Reply } from "../connection.ts";
import { formatInfo, formatMessage, sanitize } from "../format.ts";
import { t } from "../i18n.ts";
import { describeRefusal } from "../messages.ts";
import type { ChatView } from "./chat_view.ts";
import type { Addressed } from "./recent_messages.ts";

/** Messages listed by `/report` without arguments. */
export const REPORT_LIST = 9;

/** Longest excerpt of a message quoted in a confirmation. */
const EXCERPT = 40;

/** `text` cut to {@linkcode EXCERPT} characters, safe to print on one line. */
function _excerpt(text: string): string {
  const chars = [...text.replace(/\s+/g, " ").trim()];
  const cut = chars.length > EXCERPT ? `${chars.slice(0, EXCERPT - 1).join("")}…` : text.trim();
  return sanitize(cut);
}

/** The Nth last message for `verb` in the current room, or null after saying why not. */
function _target(
  view: ChatView,
  feature: string,
  verb: "edit" | "delete" | "report",
  nth: number,
): { room: string; message: ChatMessage } | null {
  const room = view.current;
  if (room === null) {
    view.error(t("chat.joinFirst"));
    return null;
  }
  if (!view.client.supports(feature)) {
    view.error(notOffered(verb));
    return null;
  }
  const recent = view.recentOf(room);
  const who: Addressed = verb === "report" ? { kind: "any" } : {
    kind: "own",
    user: view.client.user ?? "",
  };
  const found = recent?.nthLast(nth, who) ?? { message: null, count: 0 };
  if (found.message !== null) return { room, message: found.message };
  const { count } = found;
  if (verb === "report") {
    view.error(
      count === 0 ? t("action.noneToReport", { room }) : t("action.fewToReport", { room, count }),
    );
  } else {
    view.error(t(count === 0 ? "action.noneOwn" : "action.fewOwn", { room, verb, count }));
  }
  return null;
}

/** A refused `edit`/`delete`/`report` in one sentence. */
function _refusal(
  view: ChatView,
  verb: "edit" | "delete" | "report",
  reply: Extract<Reply, { ok: false }>,
) {
  switch (reply.error.code) {
    case "not_allowed":
      return t("action.cannot", { verb });
    case "no_such_message":
      return t("action.gone", { verb });
    default: {
      const reason = describeRefusal(reply.error, { maxText: view.client.maxText });
      return t("action.failed", { verb, reason });
    }
  }
}

/** `/edit [N] text`: replaces the text of your Nth last message in the room on screen. */
export async function editMessage(view: ChatView, nth: number, text: string): Promise<void> {
  const target = _target(view, "edit", "edit", nth);
  if (target === null) return;
  const reply = await view.client.request({ type: "edit", msgid: target.message.msgid, text });
  if (!reply.ok) return view.error(_refusal(view, "edit", reply));
  // The `edited` event shows the new text; here only remember it for the next /edit.
  const edited = typeof reply.frame.edited === "string" ? reply.frame.edited : target.message.ts;
  view.recordSent({ ...target.message, room: target.room, text, edited });
}

/** `/delete [N]`: deletes your Nth last message in the room on screen. */
export async function deleteMessage(view: ChatView, nth: number): Promise<void> {
  const target = _target(view, "delete", "delete", nth);
  if (target === null) return;
  const reply = await view.client.request({ type: "delete", msgid: target.message.msgid });
  if (!reply.ok) return view.error(_refusal(view, "delete", reply));
  view.recentOf(target.room)?.markDeleted(target.message.msgid);
}

/**
 * `/report N reason`: reports the Nth last message of the room on screen (anyone's) and shows
 * the report's id. `/report` alone (`nth` null) lists the last messages with their N.
 */
export async function reportMessage(
  view: ChatView,
  nth: number | null,
  reason: string,
): Promise<void> {
  if (nth === null) return _listForReport(view);
  const target = _target(view, "report", "report", nth);
  if (target === null) return;
  const { message } = target;
  const reply = await view.client.request({ type: "report", msgid: message.msgid, reason });
  if (!reply.ok) return view.error(_refusal(view, "report", reply));
  const id = reply.frame.report;
  const shown = typeof id === "string" || typeof id === "number" ? `#${id}` : t("action.noId");
  const user = sanitize(message.user);
  // The server answers a message reported again with its first report, reason unchanged.
  const reported = _reported.get(view) ?? new Set<string>();
  _reported.set(view, reported);
  const again = reported.has(message.msgid);
  reported.add(message.msgid);
  view.info(
    t(again ? "action.reportedAgain" : "action.reported", {
      user,
      excerpt: _excerpt(message.text),
      id: shown,
    }),
  );
}

/** The messages each view reported in this session (by msgid). */
const _reported = new WeakMap<ChatView, Set<string>>();

/** `/report` alone: the last messages of the room, numbered as `/report N` counts them. */
function _listForReport(view: ChatView): void {
  const room = view.current;
  if (room === null) return view.error(t("chat.joinFirst"));
  if (!view.client.supports("report")) return view.error(notOffered("report"));
  const latest = view.recentOf(room)?.latest(REPORT_LIST, { kind: "any" }) ?? [];
  if (latest.length === 0) return view.error(t("action.noneToReport", { room }));
  const lines = latest.map((message, i) =>
    `  ${String(i + 1).padStart(2)}  ${formatMessage(message, view.client.user, view.style)}`
  );
  view.print(
    formatInfo(t("action.whichToReport", { room }), view.style),
    ...lines,
  );
}
