/**
 * Password hashing: argon2id through `@node-rs/argon2` (native, off the event loop).
 *
 * Parameters: memory 19 MiB (19,456 KiB), 2 passes, 1 lane — the OWASP minimum for
 * argon2id — with a 16-byte random salt per hash, stored in the PHC string. One hash or
 * verify costs about 10–25 ms of CPU on a small machine. `verify` compares in constant time.
 *
 * At most {@linkcode HASH_SLOTS} hashes run at once; the others wait their turn (first come,
 * first served). Each holds 19 MiB while it runs, and the library would otherwise start one
 * per request on its own threads: 500 registrations at once took a 2-core server to 650–690 MB
 * and 38 threads; eight at a time, 290–300 MB, and the burst ended sooner.
 */
import { availableParallelism } from "node:os";
import { hash, verify } from "@node-rs/argon2";
import { TaskGate } from "../common/task_gate.ts";

/** `Algorithm.Argon2id` of `@node-rs/argon2` (a const enum, which isolated modules cannot read). */
const ARGON2ID = 2;

/** The argon2id parameters, stated once. */
export const ARGON2_PARAMS = {
  algorithm: ARGON2ID,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

/**
 * Hashes running at once: four per core, from 4 to 16. Fewer left the hashing threads idle
 * while the event loop was busy handing out the next one (two per core made a burst of 500
 * registrations 15 % slower than no limit; four per core made it 5 % faster).
 */
export const HASH_SLOTS = Math.min(16, Math.max(4, 4 * availableParallelism()));

/** The gate every hash and verification of this process goes through. */
export const hashing = new TaskGate(HASH_SLOTS);

/** argon2 hashes and verifications started by this process (`/metrics`). */
let started = 0;

/** How many argon2 hashes and verifications this process has started. */
export function passwordHashCount(): number {
  return started;
}

/** Hashes a password with a fresh random salt; returns a PHC string. */
export function hashPassword(password: string): Promise<string> {
  started++;
  return hashing.run(() => hash(password, ARGON2_PARAMS));
}

/** Whether `password` matches `passwordHash`; false (never a throw) for a malformed hash. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  started++;
  try {
    return await hashing.run(() => verify(passwordHash, password));
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the time of one verification against a throwaway hash, so that a login for an
 * unknown name takes as long as one with a wrong password.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  const made = dummyHash ??= hashPassword(crypto.randomUUID());
  try {
    await verifyPassword(await made, password);
  } catch {
    // A failed hash is not kept: the next unknown name tries again.
    if (dummyHash === made) dummyHash = undefined;
  }
  return false;
}
