/**
 * The server: counters, its instances, the activity chart of the last hour, and (admins)
 * shutdown.
 */
import { isAdmin, stats } from "../state.ts";
import { activity } from "../activity.ts";
import { number, span } from "../format.ts";
import { t } from "../i18n.ts";
import { ActivityChart } from "./ActivityChart.tsx";
import { InstancesPanel } from "./InstancesPanel.tsx";
import { KillPanel } from "./KillPanel.tsx";
import { Section } from "./Section.tsx";

/** The server section. */
export function ServerPanel() {
  const s = stats.value;
  const last = activity.value.at(-1);
  return (
    <Section id="server" title={t("server.title")}>
      <div class="stats" aria-label={t("server.counters")}>
        <Counter label={t("server.connections")} value={s?.connections} testid="stat-connections" />
        <Counter label={t("server.sessions")} value={s?.sessions} testid="stat-sessions" />
        <Counter
          label={t("server.rate")}
          text={last ? number(last.perSecond, 1) : undefined}
          testid="stat-rate"
        />
        <Counter label={t("server.stored")} value={s?.messagesStored} testid="stat-stored" />
        <Counter
          label={t("server.up")}
          text={s ? span(s.uptime) : undefined}
          testid="stat-uptime"
        />
      </div>
      <InstancesPanel />
      <ActivityChart />
      {isAdmin.value && <KillPanel />}
    </Section>
  );
}

function Counter(props: { label: string; value?: number; text?: string; testid: string }) {
  const shown = props.text ?? (props.value === undefined ? "–" : number(props.value));
  return (
    <div class="counter" data-testid={props.testid}>
      <span class="counter-value">{shown}</span>
      <span class="counter-label">{props.label}</span>
    </div>
  );
}
