/** Protocol constants shared by the server and the client. */

/** The wire protocol version announced in `welcome`. */
export const PROTOCOL_VERSION = 1;

/** Default largest frame, in bytes, not counting the line terminator. */
export const DEFAULT_MAX_FRAME = 65_536;

/** Largest message text, in Unicode code points. */
export const MAX_TEXT = 4_000;

/** Bad frames in a row tolerated; the next one closes the connection. */
export const MAX_BAD_FRAMES_IN_A_ROW = 20;

/** Messages returned by `join` without `after`. */
export const JOIN_HISTORY = 50;

/** Messages returned at most by `join` with `after`. */
export const JOIN_AFTER_MAX = 500;

/** Default and largest `limit` of `history`. */
export const HISTORY_DEFAULT_LIMIT = 50;
export const HISTORY_MAX_LIMIT = 200;

/** Longest `cid`, in characters. */
export const MAX_CID = 64;

/** Longest room topic, in code points. */
export const MAX_TOPIC = 500;
