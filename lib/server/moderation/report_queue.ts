/**
 * The staff's report queue: reports filed with the protocol's `report`, listed with the
 * reported message and a few lines around it, and resolved (dismissed, or the message
 * deleted through `message_removal.ts`), audited with the acting staff member. The queue
 * lives in the store; in a cluster a change is announced so that the admin pages of every
 * instance reload it.
 */
import type { ReportStatus, StoredMessage } from "../../store/store.ts";
import type { QueuedReport, ReportAction } from "../control.ts";
import { formatMsgid } from "../../protocol/msgid.ts";
import type { ChatCore } from "../chat/core.ts";
import { type RemovalActor, removeMessage } from "./message_removal.ts";

export type { QueuedReport, ReportAction };

/** Messages shown before and after a reported one. */
export const REPORT_CONTEXT = 2;

/** What became of a resolution: done, no such report, or it was closed already. */
export type ResolveOutcome = "resolved" | "no_such_report" | "closed";

/** Reports of one status, newest first, with their messages and context. */
export async function listReports(
  core: ChatCore,
  status: ReportStatus,
  limit: number,
): Promise<QueuedReport[]> {
  const reports = await core.store.listReports(status, limit);
  const names = new Map<number, string>();
  const out: QueuedReport[] = [];
  for (const report of reports) {
    let reporter = names.get(report.reporterId);
    if (reporter === undefined) {
      reporter = (await core.store.findUserById(report.reporterId))?.name ?? "?";
      names.set(report.reporterId, reporter);
    }
    const message = await core.store.findMessage(report.seq);
    const context = message ? await _context(core, message) : [];
    out.push({ ...report, reporter, message, context });
  }
  return out;
}

/** The messages around `message` in its room or dm conversation, oldest first. */
async function _context(core: ChatCore, message: StoredMessage): Promise<StoredMessage[]> {
  const { store } = core;
  const page = message.roomId !== null
    ? (q: { before?: number; after?: number; limit: number }) =>
      store.roomHistory(message.roomId!, q)
    : (q: { before?: number; after?: number; limit: number }) =>
      store.dmHistory(message.senderId, message.recipientId!, q);
  const before = await page({ before: message.seq, limit: REPORT_CONTEXT });
  const after = await page({ after: message.seq, limit: REPORT_CONTEXT });
  return [...before.messages, ...after.messages];
}

/**
 * Resolves an open report: closes it (resolved by/at); "delete" first deletes the message
 * (a message already gone still closes the report). Audited.
 */
export async function resolveReport(
  core: ChatCore,
  id: number,
  action: ReportAction,
  actor: RemovalActor,
): Promise<ResolveOutcome> {
  const report = await core.store.findReport(id);
  if (report === null) return "no_such_report";
  if (report.status === "closed") return "closed";
  const removed = action === "delete" ? await removeMessage(core, report.seq, actor) : null;
  const at = core.clock();
  if (!await core.store.resolveReport(id, actor.by, at)) return "closed";
  await _auditClosed(core, actor, at, action, id, report.seq, removed ? { removed } : {});
  // The message is gone: its other reports would wait for nothing (and offer to delete it).
  if (removed !== null) await closeReportsOf(core, report.seq, actor, id);
  core.cluster?.announce({ type: "reports" });
  core.emit({ type: "moderation" });
  return "resolved";
}

/** Open reports a deletion looks through for the deleted message's others. */
const OPEN_SCANNED = 1_000;

/**
 * Closes the open reports of message `seq` (but `along`, the one acted on, if any) after
 * staff member `actor` deleted it, each audited as `report_delete` (with `along`: the report
 * it was closed with). Returns how many it closed. The caller announces the change.
 */
export async function closeReportsOf(
  core: ChatCore,
  seq: number,
  actor: RemovalActor,
  along: number | null,
): Promise<number> {
  const open = (await core.store.listReports("open", OPEN_SCANNED))
    .filter((report) => report.seq === seq && report.id !== along);
  let closed = 0;
  for (const report of open) {
    const at = core.clock();
    if (!await core.store.resolveReport(report.id, actor.by, at)) continue;
    closed++;
    const detail = { removed: "deleted", ...(along === null ? {} : { along }) };
    await _auditClosed(core, actor, at, "delete", report.id, seq, detail);
  }
  return closed;
}

function _auditClosed(
  core: ChatCore,
  actor: RemovalActor,
  at: number,
  action: ReportAction,
  id: number,
  seq: number,
  detail: Record<string, unknown>,
): Promise<void> {
  return core.store.appendAudit({
    at,
    by: actor.by,
    address: actor.address,
    action: `report_${action}`,
    target: String(id),
    detail: JSON.stringify({ msgid: formatMsgid(seq), ...detail }),
  });
}
