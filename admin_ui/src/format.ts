/** Formatting of times and durations for display. */

/** A local time of day (HH:MM:SS), with the date when it is not today. */
export function clock(isoTime: string, now = Date.now()): string {
  const date = new Date(isoTime);
  const time = date.toLocaleTimeString([], { hour12: false });
  return new Date(now).toDateString() === date.toDateString()
    ? time
    : `${date.toLocaleDateString()} ${time}`;
}

/** A duration in seconds, as `45s`, `3m 20s`, `2h 5m`, `1d 4h`. */
export function span(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

/** How long until an ISO time, as a span, or "now". */
export function until(isoTime: string, now = Date.now()): string {
  const seconds = (Date.parse(isoTime) - now) / 1000;
  return seconds <= 0 ? "now" : span(seconds);
}
