/** Pieces every section uses: its frame and heading, and the states of a remote list. */
import type { ComponentChildren, JSX } from "preact";
import type { Remote } from "../remote.ts";
import { fresh, lostAt, now } from "../state.ts";
import { clock } from "../format.ts";
import { describeError } from "../api.ts";
import { t } from "../i18n.ts";

/** A section: a heading that takes the focus when the section is chosen, then its content. */
export function Section(
  props: { id: string; title: string; count?: number; children: ComponentChildren },
) {
  return (
    <section class="panel" aria-labelledby={`${props.id}-title`} data-section={props.id}>
      <h2 id={`${props.id}-title`} tabIndex={-1}>
        {props.title}
        {props.count !== undefined && <span class="count">{props.count}</span>}
        <StaleNote />
      </h2>
      {props.children}
    </section>
  );
}

/** "as of 12:03:04" next to a heading while the live feed is lost. */
export function StaleNote() {
  if (fresh.value || lostAt.value === null) return null;
  return (
    <span class="stale-note" data-testid="stale-note">
      {t("stale.asOf", { when: clock(new Date(lostAt.value).toISOString(), now.value) })}
    </span>
  );
}

/** Renders a remote list: its data, or what stands in for it. */
export function RemoteView<T>(
  { state, children }: { state: Remote<T>; children: (data: T) => JSX.Element },
) {
  switch (state.status) {
    case "ready":
      return children(state.data);
    case "loading":
      return <p class="empty">{t("app.loading")}</p>;
    case "missing":
      return (
        <p class="unavailable" data-testid="unavailable">
          {t("remote.missing")}
        </p>
      );
    case "forbidden":
      return <p class="unavailable" data-testid="forbidden">{t("remote.forbidden")}</p>;
    case "error":
      return <p class="error" role="alert">{describeError(state.error)}</p>;
  }
}
