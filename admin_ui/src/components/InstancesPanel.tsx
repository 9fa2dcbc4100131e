/**
 * The instances of the chat service (`GET /api/instances`): one process shows itself; a
 * cluster every live instance, with its chat address, sessions, start and last heartbeat.
 * An older server without the route shows "not available".
 */
import { useEffect } from "preact/hooks";
import { instances } from "../lists.ts";
import { fresh, now } from "../state.ts";
import { clock, number, span } from "../format.ts";
import { t } from "../i18n.ts";
import { RemoteView } from "./Section.tsx";

/** The instances block of the server section. */
export function InstancesPanel() {
  useEffect(() => void instances.load(), []);
  const state = instances.state.value;
  return (
    <div data-testid="instances-block">
      <h3>
        {t("instances.title")}
        {state.status === "ready" && <span class="count">{state.data.length}</span>}
      </h3>
      <RemoteView state={state}>
        {(list) => (
          <ul class={fresh.value ? "rows" : "rows stale"} data-testid="instances">
            {list.map((i) => (
              <li
                key={i.instance}
                class="row session"
                data-testid="instance-row"
                data-instance={i.instance}
              >
                <div class="row-head">
                  <strong class="name">{i.instance}</strong>
                </div>
                <dl>
                  <div class="field">
                    <dt>{t("instances.chat")}</dt>
                    <dd class="nowrap">{i.chat || "–"}</dd>
                  </div>
                  <div class="field">
                    <dt>{t("instances.sessions")}</dt>
                    <dd class="nowrap" data-testid="instance-sessions">{number(i.sessions)}</dd>
                  </div>
                  <div class="field">
                    <dt>{t("instances.since")}</dt>
                    <dd class="nowrap">{i.since ? clock(i.since, now.value) : "–"}</dd>
                  </div>
                  <div class="field">
                    <dt>{t("instances.lastSeen")}</dt>
                    <dd class="nowrap">
                      {t("instances.ago", {
                        span: span(Math.max(0, now.value - Date.parse(i.lastSeen)) / 1000),
                      })}
                    </dd>
                  </div>
                </dl>
              </li>
            ))}
          </ul>
        )}
      </RemoteView>
    </div>
  );
}
