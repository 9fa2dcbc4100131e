/**
 * Staff roles (moderator, admin) of chat accounts: stored through the `Store`, kept in
 * memory for the checks on the request path (`delete` of another's message, `topic`).
 * Granting and revoking (issue 15's admin API) go through {@linkcode StaffRoles.set} and
 * {@linkcode StaffRoles.remove}, which write the store first. In a cluster, a change stored
 * by another instance is applied in memory only ({@linkcode StaffRoles.applyStored}).
 */
import type { StaffRecord, StaffRole, Store } from "../../store/store.ts";

export type { StaffRecord, StaffRole };

/** The in-memory view of the stored staff roles. */
export class StaffRoles {
  #store: Store;
  #byUser = new Map<number, StaffRecord>();

  private constructor(store: Store) {
    this.#store = store;
  }

  /** Loads the stored roles. */
  static async load(store: Store): Promise<StaffRoles> {
    const roles = new StaffRoles(store);
    for (const record of await store.listStaff()) roles.#byUser.set(record.userId, record);
    return roles;
  }

  /** The user's role, or null when the user is not staff. */
  roleOf(userId: number): StaffRole | null {
    return this.#byUser.get(userId)?.role ?? null;
  }

  /** Whether the user is a moderator or an admin. */
  isStaff(userId: number): boolean {
    return this.#byUser.has(userId);
  }

  /** Every staff member, by name. */
  list(): StaffRecord[] {
    return [...this.#byUser.values()].sort((a, b) =>
      a.user < b.user ? -1 : a.user > b.user ? 1 : 0
    );
  }

  /**
   * Grants (or changes) a role, stored first; false when the store has no such account.
   * A store failure is thrown as it comes and changes nothing.
   */
  async set(record: StaffRecord): Promise<boolean> {
    const { user: _user, ...row } = record;
    if (!await this.#store.setStaffRole(row)) return false;
    this.#byUser.set(record.userId, { ...record });
    return true;
  }

  /**
   * Applies a role change another instance stored: `record` granted or changed, null
   * revoked. Memory only.
   */
  applyStored(userId: number, record: StaffRecord | null): void {
    if (record === null) this.#byUser.delete(userId);
    else this.#byUser.set(userId, { ...record, userId });
  }

  /** Revokes a role, stored first; false when the user had none. */
  async remove(userId: number): Promise<boolean> {
    const removed = await this.#store.removeStaffRole(userId);
    this.#byUser.delete(userId);
    return removed;
  }
}
