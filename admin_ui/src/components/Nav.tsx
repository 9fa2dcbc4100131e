/**
 * Navigation by section: links (Tab reaches them, Enter follows), arrow keys, Home and End
 * move between them; the chosen section's heading then takes the focus.
 */
import { section, type SectionId, SECTIONS } from "../sections.ts";
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
            >
              {t(`nav.${id}`)}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
