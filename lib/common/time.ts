/** Time as the protocol, the admin API and the audit log write it. */

/** Epoch milliseconds as ISO 8601 UTC with milliseconds (`2024-05-01T12:00:00.000Z`). */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
