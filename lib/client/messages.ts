/** Server refusals in plain words, for the terminal views and pipe mode. */
import type { ErrorReply } from "../protocol/server_frames.ts";
import { bannedSentence, kickedSentence, when } from "./format.ts";

/** A refusal as the views receive it. */
export type Refusal = Pick<ErrorReply, "code" | "message" | "until" | "reason">;

const PLAIN: Record<string, string> = {
  user_taken: "That name is already taken; pick another one.",
  weak_password: "That password is not accepted: use at least 8 characters (at most 1024 bytes).",
  invalid_username: "User names are 2 to 32 letters, digits, '_', '.' or '-', without spaces.",
  bad_credentials: "Wrong user name or password.",
  rate_limited: "Too many attempts; wait a little and try again.",
  invalid_room:
    "Room names are 1 to 64 characters, without control characters or spaces at either end.",
  room_exists: "A room with that name exists already.",
  no_such_room: "There is no room with that name (/rooms lists them).",
  not_in_room: "You are not in that room (/join it first).",
  empty_text: "The message is empty.",
  no_such_user: "There is no user with that name.",
  unavailable: "The server cannot store messages right now; try again in a moment.",
  not_allowed: "You are not allowed to do that here.",
  invalid_topic: "A topic is at most 300 characters, without control characters.",
  no_such_message: "That message does not exist (any more).",
};

/** One sentence explaining a refusal from the server. */
export function describeRefusal(error: Refusal): string {
  switch (error.code) {
    case "kicked":
      return kickedSentence(error.until ?? "", error.reason ?? "");
    case "banned":
      return bannedSentence(error.reason ?? "");
    case "muted":
      return error.until ? `You are muted until ${when(error.until)}.` : "You are muted.";
    case "text_too_long":
      return `The message is too long: ${error.message}`;
    default:
      return PLAIN[error.code] ?? error.message;
  }
}
