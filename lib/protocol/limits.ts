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

/** Longest room topic, in code points (protocol 1.1: 300, for every way of setting one). */
export const MAX_TOPIC = 300;

/**
 * What a topic may not hold: control characters, line and paragraph separators, and the
 * bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), which reorder
 * the text shown after them (a topic that reads differently than it is written). Joiners
 * and direction marks stay allowed: emoji sequences and right-to-left scripts need them.
 */
export const TOPIC_CONTROLS = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

/** Longest `report` reason, in code points. */
export const MAX_REPORT_REASON = 500;

/**
 * The largest frame the server ever sends, in bytes with its `\n` (`welcome.
 * maxServerFrame`). Every reply and event is built to stay under it; clients size their
 * decoder from the announcement.
 */
export const MAX_SERVER_FRAME = 1_048_576;

/** Largest `rooms` page (and the `rooms` of a `login` reply), in rooms. */
export const ROOMS_PAGE_MAX = 200;

/** Byte budget of a `rooms` page's list; one room always fits, whatever its size. */
export const ROOMS_PAGE_BYTES = MAX_SERVER_FRAME / 4;

/** Byte budget of one list of member names (`who`, `join`, a `rooms` entry). */
export const MEMBERS_BYTES = MAX_SERVER_FRAME / 4;

/** Byte budget of the messages of one `join` or `history` reply. */
export const HISTORY_BYTES = MAX_SERVER_FRAME / 2;
