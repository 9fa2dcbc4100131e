/**
 * `report`: flags a message the reporter can see for the staff's review queue (listed and
 * resolved through the admin API). Reporting the same message again answers the same id
 * and stores nothing. New reports are rate limited per account
 * (`REPORTS_PER_WINDOW` per `REPORT_WINDOW_MS`).
 */
import { RequestError } from "../../protocol/error_codes.ts";
import type { RequestFields } from "../../protocol/requests.ts";
import { accountOf, type RequestContext } from "./context.ts";
import { visibleMessage } from "./visible_message.ts";

/** New reports an account may file per window. */
export const REPORTS_PER_WINDOW = 10;

/** The window of {@linkcode REPORTS_PER_WINDOW}: 10 minutes. */
export const REPORT_WINDOW_MS = 10 * 60_000;

/**
 * `report`: `no_such_message` for a message the reporter cannot see (a deleted one
 * included), `rate_limited` (+`retry_after`) past the account's rate; the report's id.
 */
export async function report(
  ctx: RequestContext,
  { msgid, reason }: RequestFields<"report">,
): Promise<void> {
  const { core } = ctx;
  const message = await visibleMessage(ctx, msgid);
  if (message.deleted) {
    throw new RequestError("no_such_message", "That message was deleted.");
  }
  const account = accountOf(ctx);
  const key = String(account.id);
  const reports = core.limits.reports;
  // Reserved before the store's await, so that requests on other connections of the same
  // account cannot all pass the check at once; given back when no new report was filed.
  const wait = reports?.hit(key) ?? 0;
  if (wait > 0) {
    throw new RequestError("rate_limited", "You have reported too many messages lately.", {
      retry_after: Math.ceil(wait / 1000),
      retryAfterMs: wait,
    });
  }
  let filed: Awaited<ReturnType<typeof core.store.addReport>>;
  try {
    filed = await core.store.addReport({
      seq: message.seq,
      reporterId: account.id,
      reason: reason.trim(),
      at: core.clock(),
    });
  } catch (error) {
    reports?.release(key);
    throw error;
  }
  if (!filed.created) reports?.release(key);
  if (filed.created) {
    core.log.log("info", "message_reported", { msgid, by: account.name, report: filed.report.id });
    // The staff's queue on the admin page reloads at once, on every instance.
    core.emit({ type: "reports" });
    core.cluster?.announce({ type: "reports" });
  }
  ctx.ok({ report: filed.report.id });
}
