/**
 * Granting and revoking staff roles (PROTOCOL.md "Staff"): the one home of the rules.
 * Only admins reach these (the admin API's role check); the bootstrap name `admin` is the
 * server's owner and always an admin, so it can be neither demoted nor revoked: that is
 * what "revoking the last admin" means here (`admin` always exists, so it is the admin
 * that is always left; a chat account's admin role may be revoked freely). A change is
 * stored first, then takes effect at once in memory (`core.staff`, read on every staff
 * request), is audited with the person who made it, and the admin page is told (`staff`).
 * In a cluster the stored change is announced and the other instances apply it in memory
 * ({@linkcode applyRemoteRole}): every right is read from `core.staff` on each request
 * (the admin API's staff sessions too), so a demotion acts at once everywhere.
 */
import { foldName } from "../../protocol/names.ts";
import type { StaffRecord, StaffRole, UserRecord } from "../../store/store.ts";
import type { Actor } from "../control.ts";
import type { ChatCore } from "../chat/core.ts";

/** The bootstrap admin's name (the admin page's built-in login). */
export const BOOTSTRAP_ADMIN = "admin";

/** Why a role change was refused. */
export type StaffRefusal = "last_admin";

/** Whether `name` names the bootstrap admin (compared folded, as names are). */
export function isBootstrapAdmin(name: string): boolean {
  return foldName(name) === BOOTSTRAP_ADMIN;
}

/** Grants `role` to `user` (or changes it): the stored record, or the refusal. */
export async function grantRole(
  core: ChatCore,
  user: UserRecord,
  role: StaffRole,
  actor: Actor,
): Promise<StaffRecord | StaffRefusal> {
  if (isBootstrapAdmin(user.name) && role !== "admin") return "last_admin";
  const previous = core.staff.roleOf(user.id);
  const record: StaffRecord = {
    userId: user.id,
    user: user.name,
    role,
    since: core.clock(),
    by: actor.by,
  };
  // Granting the role one already holds keeps its first grant (since, by).
  if (previous === role) return core.staff.list().find((s) => s.userId === user.id) ?? record;
  if (!await core.staff.set(record)) throw new Error(`account ${user.id} vanished`);
  await core.cluster?.announce({ type: "staff", userId: user.id, record: { ...record } });
  await audit(core, actor, "staff_grant", user.name, { role, previous });
  core.emit({ type: "staff" });
  return record;
}

/** Revokes `user`'s role: true when there was one, false when none, or the refusal. */
export async function revokeRole(
  core: ChatCore,
  user: UserRecord,
  actor: Actor,
): Promise<boolean | StaffRefusal> {
  if (isBootstrapAdmin(user.name)) return "last_admin";
  const previous = core.staff.roleOf(user.id);
  if (previous === null) return false;
  await core.staff.remove(user.id);
  await core.cluster?.announce({ type: "staff", userId: user.id, record: null });
  await audit(core, actor, "staff_revoke", user.name, { previous });
  core.emit({ type: "staff" });
  return true;
}

/** Applies a role change another instance stored (`record` null: revoked). */
export function applyRemoteRole(
  core: ChatCore,
  userId: number,
  record: StaffRecord | null,
): void {
  core.staff.applyStored(userId, record);
  core.emit({ type: "staff" });
}

async function audit(
  core: ChatCore,
  actor: Actor,
  action: string,
  target: string,
  detail: Record<string, unknown>,
): Promise<void> {
  await core.store.appendAudit({
    at: core.clock(),
    by: actor.by,
    address: actor.address,
    action,
    target,
    detail: JSON.stringify(detail),
  });
}
