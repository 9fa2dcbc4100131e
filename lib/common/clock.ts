/** The time source of everything that waits, limits or expires; injectable for tests. */

/** A clock in epoch milliseconds (`Date.now` by default). */
export type Clock = () => number;
