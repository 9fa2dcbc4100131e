/**
 * Kicks, mutes and bans: stored through the `Store`, cached in memory for the checks on
 * the hot path (login, say, dm). A sanction ends when its `until` passes, with no timer and
 * no restart needed; expired ones are dropped from memory as they are met. Imposing and
 * lifting (audit, enforcement, events) go through `lib/server/moderation/sanctions.ts`.
 * In a cluster, a change stored by another instance reaches this one as an event and is
 * applied in memory only ({@linkcode Moderation.applyStored}, {@linkcode Moderation.forgetStored}).
 */
import type { AuditEntry, Sanction, SanctionKind, Store } from "../../store/store.ts";
import type { Clock } from "../../common/clock.ts";

/** Why a login is refused, if it is. */
export type LoginBlock =
  | { code: "banned"; reason: string }
  | { code: "kicked"; until: number; reason: string };

/** The in-memory view of the stored sanctions. */
export class Moderation {
  #store: Store;
  #clock: Clock;
  /** userId → kind → sanction. */
  #byUser = new Map<number, Map<SanctionKind, Sanction>>();

  private constructor(store: Store, clock: Clock) {
    this.#store = store;
    this.#clock = clock;
  }

  /** Loads the stored sanctions. */
  static async load(store: Store, clock: Clock = Date.now): Promise<Moderation> {
    const moderation = new Moderation(store, clock);
    for (const sanction of await store.listSanctions()) moderation.#remember(sanction);
    return moderation;
  }

  /** The active sanction of a kind for a user, or null (an expired one is forgotten). */
  active(userId: number, kind: SanctionKind): Sanction | null {
    const sanction = this.#byUser.get(userId)?.get(kind);
    if (!sanction) return null;
    if (sanction.until !== null && sanction.until <= this.#clock()) {
      // Forgotten here only: an expired row is harmless, is replaced by the next sanction
      // of its kind, and deleting it now could race with (and delete) a new one.
      this.#forget(userId, kind);
      return null;
    }
    return sanction;
  }

  /** Whether the user may log in: a ban first, then a kick. */
  loginBlock(userId: number): LoginBlock | null {
    const ban = this.active(userId, "ban");
    if (ban) return { code: "banned", reason: ban.reason };
    const kick = this.active(userId, "kick");
    if (kick) return { code: "kicked", until: kick.until!, reason: kick.reason };
    return null;
  }

  /** When the user's mute ends, or null when they may speak. */
  mutedUntil(userId: number): number | null {
    return this.active(userId, "mute")?.until ?? null;
  }

  /**
   * Applies a sanction (replacing one of the same kind) at once, in memory, so every check
   * sees it; runs `enforce` (closing the user's sessions, say); then stores it together
   * with `audit` in one transaction. All or nothing: when the store fails, the sanction is
   * withdrawn from memory again (the one it replaced comes back) and the error rethrown,
   * so nothing is left half applied (a disconnection by `enforce` is not undone).
   */
  async impose(
    sanction: Sanction,
    options: { audit?: AuditEntry; enforce?: () => void } = {},
  ): Promise<void> {
    const previous = this.#byUser.get(sanction.userId)?.get(sanction.kind) ?? null;
    this.#remember(sanction);
    options.enforce?.();
    const { user: _user, ...row } = sanction;
    try {
      await this.#store.putSanction(row, options.audit);
    } catch (error) {
      // Restored only if no newer sanction of this kind replaced ours meanwhile.
      if (this.#byUser.get(sanction.userId)?.get(sanction.kind) === sanction) {
        if (previous) this.#remember(previous);
        else this.#forget(sanction.userId, sanction.kind);
      }
      throw error;
    }
  }

  /** Lifts a sanction; false when none was active. */
  async lift(userId: number, kind: SanctionKind): Promise<boolean> {
    const wasActive = this.active(userId, kind) !== null;
    await this.#store.deleteSanction(userId, kind);
    this.#forget(userId, kind);
    return wasActive;
  }

  /**
   * Applies a sanction another instance imposed and stored (replacing one of its kind):
   * in memory only, the store has it already.
   */
  applyStored(sanction: Sanction): void {
    this.#remember({ ...sanction });
  }

  /** Forgets a sanction another instance lifted (and deleted from the store). */
  forgetStored(userId: number, kind: SanctionKind): void {
    this.#forget(userId, kind);
  }

  /** Every active sanction, oldest first. */
  list(): Sanction[] {
    const out: Sanction[] = [];
    for (const [userId, kinds] of [...this.#byUser]) {
      for (const kind of [...kinds.keys()]) {
        const sanction = this.active(userId, kind);
        if (sanction) out.push(sanction);
      }
    }
    return out.sort((a, b) => a.at - b.at);
  }

  #remember(sanction: Sanction): void {
    let kinds = this.#byUser.get(sanction.userId);
    if (!kinds) {
      kinds = new Map();
      this.#byUser.set(sanction.userId, kinds);
    }
    kinds.set(sanction.kind, sanction);
  }

  #forget(userId: number, kind: SanctionKind): void {
    const kinds = this.#byUser.get(userId);
    kinds?.delete(kind);
    if (kinds?.size === 0) this.#byUser.delete(userId);
  }
}
