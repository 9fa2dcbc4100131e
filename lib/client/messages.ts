/** Server refusals in plain words, for the terminal views and pipe mode. */
import type { ErrorReply, NoticeEvent } from "../protocol/server_frames.ts";
import { MAX_TOPIC, TOPIC_CONTROLS } from "../protocol/limits.ts";
import { bannedSentence, inWords, kickedSentence, sanitize, whenEnds } from "./format.ts";
import { type ClientKey, t } from "./i18n.ts";
import { matchServerText } from "../i18n/server_texts.ts";

/** A refusal as the views receive it. */
export type Refusal = Pick<ErrorReply, "code" | "message" | "until" | "reason">;

/** What the client knows of the server that helps say a refusal. */
export interface RefusalContext {
  /** The server's `welcome.limits.maxText` (code points), when it announced one. */
  maxText?: number | null;
}

/** The codes whose sentence is one catalog key `error.<code>` without values. */
const PLAIN = new Set([
  "user_taken",
  "weak_password",
  "invalid_username",
  "bad_credentials",
  "rate_limited",
  "invalid_room",
  "room_exists",
  "no_such_room",
  "not_in_room",
  "empty_text",
  "no_such_user",
  "unavailable",
  "not_allowed",
  "invalid_topic",
  "no_such_message",
  "invalid_query",
]);

/** The sentence of a mute, in the client's language (`until`: ISO time, "" = unknown). */
export function mutedSentence(until: string, reason = ""): string {
  if (until === "") return t("error.muted");
  const at = whenEnds(until);
  return reason.trim() === ""
    ? t("error.mutedUntil", { until: at })
    : t("error.mutedUntilReason", { until: at, reason: sanitize(reason) });
}

/** One sentence explaining a refusal from the server. */
export function describeRefusal(error: Refusal, context: RefusalContext = {}): string {
  switch (error.code) {
    case "kicked":
      return kickedSentence(error.until ?? "", error.reason ?? "");
    case "banned":
      return bannedSentence(error.reason ?? "");
    case "muted":
      return mutedSentence(error.until ?? "");
    case "text_too_long": {
      // The limit the server announced in `welcome`; without it, the one in its (English)
      // sentence, said again in the client's words.
      const max = _positive(context.maxText) ??
        _positive(Number(/\d[\d,]*/.exec(error.message)?.[0]?.replaceAll(",", "")));
      return max ? t("error.text_too_long", { max }) : t("error.textTooLongPlain");
    }
    default:
      // An unknown code: the server's (English) sentence is all there is.
      return PLAIN.has(error.code) ? t(`error.${error.code}` as ClientKey) : error.message;
  }
}

/**
 * One sentence explaining why the server refused to set `room`'s topic to `topic` (protocol
 * 1.1 `topic`): who may change it, the mute that forbids it (the server answers a muted
 * user `not_allowed` with the mute's `until`), which rule the topic broke, how long to wait.
 */
export function describeTopicRefusal(error: ErrorReply, room: string, topic: string): string {
  switch (error.code) {
    case "not_allowed":
    case "muted":
      if (error.code === "muted" || error.until !== undefined) {
        return `${mutedSentence(error.until ?? "", error.reason)} ${t("topic.whileMuted")}`;
      }
      return t("topic.notAllowed", { room: sanitize(room) });
    case "invalid_topic": {
      // The contract's two rules: the length (in code points), a control character; a
      // server with rules of its own gets its refusal said as any other.
      const length = [...topic].length;
      if (length > MAX_TOPIC) return t("topic.tooLong", { length, max: MAX_TOPIC });
      return TOPIC_CONTROLS.test(topic) ? t("topic.controls") : describeRefusal(error);
    }
    case "rate_limited": {
      const wait = error.retry_after;
      return typeof wait === "number" && Number.isFinite(wait) && wait > 0
        ? t("topic.tooOftenWait", { delay: inWords(Math.ceil(wait)) })
        : t("topic.tooOften");
    }
    default:
      return describeRefusal(error);
  }
}

/** `value` when it is a positive integer, else undefined. */
function _positive(value: number | null | undefined): number | undefined {
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

/**
 * A notice's text in the client's language: a mute notice (recognized in any language the
 * server catalogs have) is said by the client; any other notice is the server's text.
 */
export function noticeText(notice: NoticeEvent): string {
  const withReason = matchServerText("server.mutedReason", notice.text);
  if (withReason) return mutedSentence(withReason.until!, withReason.reason);
  const plain = matchServerText("server.muted", notice.text);
  if (plain) return mutedSentence(plain.until!);
  return notice.text;
}
