/**
 * A `login` right after `register`, on the same connection and with the same password,
 * needs no second argon2 verification: the server computed the account's hash from that
 * very password a moment ago. Registering and then logging in is what every new client
 * does, so this halves the hashing cost of new accounts (about 20 ms of CPU each; a class
 * of 500 joining at once spent 10 s of server CPU in the second hash alone).
 *
 * What is kept, per connection and for one minute at most: the new account's id, the hash
 * that was stored, and a MAC of the password under a key made at random for this process
 * (never the password). A login takes the shortcut only when all three still match: the
 * same account, whose stored hash has not changed since (no `password` change in between,
 * on any instance), and the same password (compared in constant time). Anything else, and
 * any second login, goes through the normal verification; a `password` request (whose `old`
 * is checked like a login's password) uses the proof up the same way. The shortcut tells
 * the connection nothing it did not know: it chose that password itself.
 */

/** How long after `register` the shortcut stays open. */
export const PROOF_TTL_MS = 60_000;

interface Proof {
  accountId: number;
  passwordHash: string;
  mac: Uint8Array;
  /** When (a clock reading in ms) it was made. */
  at: number;
}

let macKey: Promise<CryptoKey> | undefined;

async function macOf(password: string): Promise<Uint8Array> {
  macKey ??= crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const key = await macKey.catch((error) => {
    macKey = undefined; // the next call tries again
    throw error;
  });
  const signed = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(password));
  return new Uint8Array(signed);
}

/** Whether two MACs are equal, in time independent of where they differ. */
function sameMac(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** The registrations of each connection (keyed by its session object), one each. */
export class RegistrationProofs {
  #proofs = new WeakMap<object, Proof>();
  #ttlMs: number;

  /** @param ttlMs how long a proof stays usable (and kept); default {@linkcode PROOF_TTL_MS}. */
  constructor(ttlMs = PROOF_TTL_MS) {
    this.#ttlMs = ttlMs;
  }

  /**
   * Remembers that `holder` just registered `accountId` with `password` (hashed to
   * `passwordHash`); a later one replaces it. Never fails: the shortcut is only an
   * optimisation, so a proof that cannot be made is simply not kept. It is dropped after
   * the time to live even if no login comes.
   */
  async remember(
    holder: object,
    accountId: number,
    passwordHash: string,
    password: string,
    now: number,
  ): Promise<void> {
    let mac: Uint8Array;
    try {
      mac = await macOf(password);
    } catch {
      this.#proofs.delete(holder);
      return;
    }
    const proof: Proof = { accountId, passwordHash, mac, at: now };
    this.#proofs.set(holder, proof);
    // The timer holds the session weakly: a closed connection is not kept for the minute.
    const ref = new WeakRef(holder);
    const timer = setTimeout(() => {
      const still = ref.deref();
      if (still !== undefined && this.#proofs.get(still) === proof) this.#proofs.delete(still);
    }, this.#ttlMs);
    Deno.unrefTimer(timer);
  }

  /** Whether `holder` holds a proof (tests). */
  holds(holder: object): boolean {
    return this.#proofs.has(holder);
  }

  /**
   * Whether `password` logs `holder` into the account it registered (see the module's
   * comment). Used up by the call, whatever the answer: a second login verifies normally.
   */
  async matches(
    holder: object,
    record: { id: number; passwordHash: string },
    password: string,
    now: number,
  ): Promise<boolean> {
    const proof = this.#proofs.get(holder);
    if (proof === undefined) return false;
    this.#proofs.delete(holder);
    if (now - proof.at > this.#ttlMs || now < proof.at) return false;
    if (proof.accountId !== record.id || proof.passwordHash !== record.passwordHash) return false;
    try {
      return sameMac(proof.mac, await macOf(password));
    } catch {
      return false;
    }
  }
}
