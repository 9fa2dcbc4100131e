/** The one polling helper of the tests: wait for a condition without fixed sleeps. */

/** How often {@linkcode waitFor} checks. */
const POLL_MS = 20;

/**
 * Waits until `check` returns (or resolves to) a value other than undefined or false, and
 * returns it, checking every 20 ms. Throws naming `what` after `timeoutMs` (a safety net
 * against hanging, not a measurement). An error thrown by `check` ends the wait at once.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
