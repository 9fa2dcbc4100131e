/**
 * Password hashing: argon2id through `@node-rs/argon2` (native, off the event loop).
 *
 * Parameters: memory 19 MiB (19,456 KiB), 2 passes, 1 lane — the OWASP minimum for
 * argon2id — with a 16-byte random salt per hash, stored in the PHC string. One hash or
 * verify costs about 10–25 ms of CPU on a small machine. `verify` compares in constant time.
 */
import { hash, verify } from "@node-rs/argon2";

/** `Algorithm.Argon2id` of `@node-rs/argon2` (a const enum, which isolated modules cannot read). */
const ARGON2ID = 2;

/** The argon2id parameters, stated once. */
export const ARGON2_PARAMS = {
  algorithm: ARGON2ID,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

/** Hashes a password with a fresh random salt; returns a PHC string. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_PARAMS);
}

/** Whether `password` matches `passwordHash`; false (never a throw) for a malformed hash. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
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
  dummyHash ??= hashPassword(crypto.randomUUID());
  await verifyPassword(await dummyHash, password);
  return false;
}
