/**
 * Navigation by section: links (Tab reaches them, Enter follows), arrow keys, Home and End
 * move between them; the chosen section's heading then takes the focus. "Reports" shows how
 * many reports are open, live.
 */
import { section, type SectionId, SECTIONS } from "../sections.ts";
import { OPEN_REPORTS_LIMIT, openReportCount } from "../lists.ts";
import { number } from "../format.ts";
import { t } from "../i18n.ts";

/** The section navigation bar. */
export function Nav() {
  const onKey = (event: KeyboardEvent) => {
    const links = [...(event.currentTarget as HTMLElement).querySelectorAll("a")];
    const at = links.indexOf(document.activeElement as HTMLAnchorElement);
    if (at < 0) return;
    const to = event.key === "ArrowRight" || event.key === "ArrowDown"
      ? (at + 1) % links.length
      : event.key === "ArrowLeft" || event.key === "ArrowUp"
      ? (at - 1 + links.length) % links.length
      : event.key === "Home"
      ? 0
      : event.key === "End"
      ? links.length - 1
      : -1;
    if (to < 0) return;
    event.preventDefault();
    links[to]!.focus();
  };
  const follow = (id: SectionId) => {
    section.value = id;
    // After the section renders, its heading takes the focus (screen readers announce it).
    requestAnimationFrame(() => document.getElementById(`${id}-title`)?.focus());
  };
  return (
    <nav class="sections" aria-label={t("nav.label")} onKeyDown={onKey}>
      <ul>
        {SECTIONS.map((id) => (
          <li key={id}>
            <a
              href={`#${id}`}
              aria-current={section.value === id ? "page" : undefined}
              onClick={() => follow(id)}
              title={id === "reports" ? openReportsText() : undefined}
            >
              {t(`nav.${id}`)}
              {id === "reports" && <OpenReportsCount />}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** "3 open reports" (the link's tooltip and description), or nothing when none is open. */
function openReportsText(): string | undefined {
  const n = openReportCount.value;
  if (!n) return undefined;
  return n >= OPEN_REPORTS_LIMIT
    ? t("nav.openReportsMore", { n: number(OPEN_REPORTS_LIMIT) })
    : t("nav.openReports", { n });
}

/**
 * The number of open reports beside "Reports" (none when there is none). Hidden from the
 * link's name, which stays "Reports": the link's title says it in words.
 */
function OpenReportsCount() {
  const n = openReportCount.value;
  if (!n) return null;
  return (
    <span class="nav-count" aria-hidden="true" data-testid="open-reports">
      {n >= OPEN_REPORTS_LIMIT ? `${number(OPEN_REPORTS_LIMIT)}+` : number(n)}
    </span>
  );
}
