/** Every error code the protocol defines, with the sentence sent when none more precise applies. */
export const ERROR_MESSAGES = {
  bad_frame: "The frame is not a valid request.",
  unknown_type: "This request type is not known.",
  frame_too_large: "The frame is larger than the server accepts.",
  too_many_errors: "Too many bad frames in a row; closing the connection.",
  not_logged_in: "Log in first.",
  invalid_username: "User names are 2 to 32 letters, digits, '_', '.' or '-'.",
  weak_password: "Passwords must be at least 8 characters and at most 1024 bytes.",
  user_taken: "That user name is taken.",
  bad_credentials: "Wrong user name or password.",
  banned: "This account is banned.",
  kicked: "This account was kicked and cannot log in yet.",
  rate_limited: "Too many requests; slow down.",
  invalid_room:
    "Room names are 1 to 64 characters, without control characters or surrounding spaces.",
  room_exists: "A room with that name exists already.",
  no_such_room: "There is no room with that name.",
  not_in_room: "You are not in that room.",
  empty_text: "The message is empty.",
  text_too_long: "The message is too long.",
  muted: "You are muted.",
  unavailable: "The server cannot store messages right now; try again.",
  no_such_user: "There is no user with that name.",
  slow_consumer: "You are not reading fast enough; closing the connection.",
  internal: "Something went wrong on the server.",
  limit_reached: "A server limit was reached; the request was refused.",
  timeout: "The connection timed out.",
  invalid_query: "The search query must have 1 to 200 characters and a letter or digit.",
  no_such_message: "There is no message with that msgid that you can see.",
  not_allowed: "You may not do that to this message.",
  invalid_topic: "Topics are at most 300 characters, without control characters.",
} as const;

/** A protocol error code. */
export type ErrorCode = keyof typeof ERROR_MESSAGES;

/**
 * An expected failure of a request, turned into an `error` frame at the edge.
 * Extra fields (`until`, `reason`, `retryAfter`) are copied into the frame.
 */
export class RequestError extends Error {
  readonly code: ErrorCode;
  readonly extra: Record<string, unknown>;
  constructor(code: ErrorCode, message?: string, extra: Record<string, unknown> = {}) {
    super(message ?? ERROR_MESSAGES[code]);
    this.name = "RequestError";
    this.code = code;
    this.extra = extra;
  }
}
