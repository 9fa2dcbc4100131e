/**
 * Message ids: a sequence number written as 16 decimal digits, so that the ids sort as plain
 * strings in the order the server accepted the messages.
 */

const WIDTH = 16;
const MSGID = /^\d{16}$/;

/** The msgid of sequence number `seq` (a positive safe integer). */
export function formatMsgid(seq: number): string {
  return String(seq).padStart(WIDTH, "0");
}

/** The sequence number of a msgid, or null when the string is not a msgid. */
export function parseMsgid(msgid: string): number | null {
  if (!MSGID.test(msgid)) return null;
  const seq = Number(msgid);
  return Number.isSafeInteger(seq) ? seq : null;
}
