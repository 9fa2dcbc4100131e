/** The audit log: every admin action, newest first. */
import { auditEntries, now } from "../state.ts";
import { clock } from "../format.ts";

/** The audit log panel. */
export function AuditPanel() {
  return (
    <section class="panel audit" aria-labelledby="audit-title">
      <h2 id="audit-title">Audit log</h2>
      {auditEntries.value.length === 0
        ? <p class="empty">No actions yet.</p>
        : (
          <ol class="rows" data-testid="audit">
            {auditEntries.value.map((e, i) => (
              <li class="row compact" key={`${e.at}-${i}`}>
                <span class="muted">{clock(e.at, now.value)}</span>
                <strong>{e.action}</strong>
                {e.target && <span class="name">{e.target}</span>}
                {e.detail && <span>{describeDetail(e.detail, now.value)}</span>}
                <span class="muted">by {e.by} from {e.address}</span>
              </li>
            ))}
          </ol>
        )}
    </section>
  );
}

/** Audit details are often JSON (`{"until","reason"}`): shown as words when they are. */
function describeDetail(detail: string, at: number): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(detail);
  } catch {
    return detail;
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return detail;
  return Object.entries(parsed as Record<string, unknown>)
    .filter(([, v]) => v !== null && v !== "")
    .map(([k, v]) =>
      k === "until" && typeof v === "string" ? `until ${clock(v, at)}` : `${k} ${String(v)}`
    )
    .join(" · ");
}
