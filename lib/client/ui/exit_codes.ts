/** Exit codes of the interactive client. */
export const EXIT = { ok: 0, failure: 1, usage: 2, removed: 3 } as const;
