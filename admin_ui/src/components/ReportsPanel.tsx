/**
 * The report queue (`GET /api/reports?status=`): each reported message between the lines
 * said just before and after it, with its reporter and reason; dismiss it, or delete the message (after a confirmation); and act on the message's
 * author with the same kick / mute / ban buttons and form as the Users rows (open and closed
 * reports alike: deleting the message closes the report first).
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { MessageView, ReportView } from "../../../lib/admin/api_types.ts";
import { api, seg } from "../api.ts";
import { ask } from "../confirm.ts";
import { loadReports, reportStatus, shownReports } from "../lists.ts";
import { fresh, now } from "../state.ts";
import { act, anchorOf } from "../toasts.ts";
import { clock } from "../format.ts";
import { RemoteView, Section } from "./Section.tsx";
import { t } from "../i18n.ts";
import { SanctionBadges } from "./SanctionBadges.tsx";
import { SanctionButtons } from "./SanctionButtons.tsx";
import { type SanctionAction, SanctionForm } from "./SanctionForm.tsx";

/** The reports section. */
export function ReportsPanel() {
  useEffect(() => void loadReports(), []);
  const show = (status: "open" | "closed") => {
    reportStatus.value = status;
    void shownReports().load();
  };
  return (
    <Section id="reports" title={t("reports.title")}>
      <div class="tabs" role="group" aria-label={t("reports.which")}>
        {(["open", "closed"] as const).map((s) => (
          <button
            type="button"
            key={s}
            class={reportStatus.value === s ? "small on" : "small"}
            aria-pressed={reportStatus.value === s}
            onClick={() => show(s)}
          >
            {t(`reports.${s}`)}
          </button>
        ))}
      </div>
      <RemoteView state={shownReports().state.value}>
        {(list) =>
          list.length === 0
            ? (
              <p class="empty">
                {reportStatus.value === "open" ? t("reports.emptyOpen") : t("reports.emptyClosed")}
              </p>
            )
            : (
              <ul class="rows" data-testid="reports">
                {list.map((r) => <ReportRow key={String(r.id)} report={r} />)}
              </ul>
            )}
      </RemoteView>
    </Section>
  );
}

function ReportRow({ report: r }: { report: ReportView }) {
  const resolve = async (event: Event, action: "dismiss" | "delete") => {
    const anchor = anchorOf(event);
    if (
      action === "delete" && !await ask({
        title: t("reports.deleteTitle"),
        body: t("reports.deleteBody", { user: r.message?.user ?? t("reports.itsAuthor") }),
        confirm: t("messages.deleteConfirm"),
      })
    ) return;
    const ok = await act(
      () => api("POST", `/api/reports/${seg(String(r.id))}`, { action }),
      action === "delete" ? t("reports.deletedClosed") : t("reports.dismissed"),
      anchor,
    );
    if (ok) void loadReports();
  };
  const m = r.message;
  // The lines around it, oldest first (msgids are fixed-width: they compare as text).
  const context = r.context ?? [];
  const before = context.filter((c) => c.msgid < r.msgid);
  const after = context.filter((c) => c.msgid > r.msgid);
  return (
    <li class="row" data-report={String(r.id)}>
      <ContextLines lines={before} />
      <blockquote class="reported">
        {m
          ? (
            <>
              <span class="where">{m.room !== null ? `#${m.room}` : `→ ${m.to}`}</span>{" "}
              <strong>{m.user}</strong>{" "}
              {m.deleted
                ? <em class="muted">{t("messages.deletedMark")}</em>
                : <span>{m.text}</span>}
            </>
          )
          : <em class="muted">{t("reports.gone", { msgid: r.msgid })}</em>}
      </blockquote>
      <ContextLines lines={after} />
      <p class="small-text">
        {t("reports.reportedBy", { reporter: r.reporter, reason: r.reason })}{" "}
        <span class="muted">· {clock(r.at, now.value)}</span>
      </p>
      {r.status === "open" && (
        <span class="actions">
          <button type="button" class="small" onClick={(e) => resolve(e, "dismiss")}>
            {t("reports.dismiss")}
          </button>
          <button type="button" class="small" onClick={(e) => resolve(e, "delete")}>
            {t("reports.deleteMessage")}
          </button>
        </span>
      )}
      {m && <AuthorActions user={m.user} />}
    </li>
  );
}

/** Messages said around a reported one, dimmed, as the moderator needs them to judge it. */
function ContextLines({ lines }: { lines: readonly MessageView[] }) {
  if (lines.length === 0) return null;
  return (
    <ol class="report-context" aria-label={t("reports.context")}>
      {lines.map((c) => (
        <li key={c.msgid}>
          <strong>{c.user}</strong>{" "}
          {c.deleted ? <em>{t("messages.deletedMark")}</em> : <span>{c.text}</span>}
        </li>
      ))}
    </ol>
  );
}

/**
 * "Author: kevin [muted until 14:05] Kick Mute Ban": the author's sanctions in force and the
 * buttons that open the sanction form for them, below.
 */
function AuthorActions({ user }: { user: string }) {
  const open = useSignal<SanctionAction | null>(null);
  return (
    <>
      <div
        class="report-author"
        role="group"
        aria-label={t("reports.authorActions", { user })}
        data-testid="report-author"
      >
        <span class="muted small-text">{t("reports.author", { user })}</span>
        <SanctionBadges user={user} />
        <span class="author-actions">
          <SanctionButtons open={open} />
        </span>
      </div>
      {open.value && fresh.value && (
        <SanctionForm
          key={open.value}
          user={user}
          action={open.value}
          onDone={() => (open.value = null)}
        />
      )}
    </>
  );
}
