/** Counters and a chart of messages per second over the last minutes. */
import { history, stats } from "../state.ts";
import { span } from "../format.ts";

/** The counters row. */
export function StatsBar() {
  const s = stats.value;
  const points = history.value;
  const rate = points.length > 0 ? points[points.length - 1]!.perSecond : 0;
  return (
    <section class="stats" aria-label="Counters">
      <Counter label="Connections" value={s?.connections} testid="stat-connections" />
      <Counter label="Sessions" value={s?.sessions} testid="stat-sessions" />
      <Counter
        label="Messages/s"
        value={s ? Math.round(rate * 10) / 10 : undefined}
        testid="stat-rate"
      />
      <Counter label="Stored" value={s?.messagesStored} testid="stat-stored" />
      <Counter label="Up" text={s ? span(s.uptime) : undefined} testid="stat-uptime" />
      <Chart />
    </section>
  );
}

function Counter(props: { label: string; value?: number; text?: string; testid: string }) {
  const shown = props.text ?? (props.value === undefined ? "–" : props.value.toLocaleString());
  return (
    <div class="counter" data-testid={props.testid}>
      <span class="counter-value">{shown}</span>
      <span class="counter-label">{props.label}</span>
    </div>
  );
}

const WIDTH = 300;
const HEIGHT = 48;

function Chart() {
  const points = history.value;
  const peak = Math.max(1, ...points.map((p) => p.perSecond));
  const step = WIDTH / 299;
  const offset = WIDTH - (points.length - 1) * step;
  const path = points.map((p, i) =>
    `${i === 0 ? "M" : "L"}${(offset + i * step).toFixed(1)},${
      (HEIGHT - (p.perSecond / peak) * (HEIGHT - 2)).toFixed(1)
    }`
  ).join(" ");
  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        preserveAspectRatio="none"
        role="img"
        aria-label="Messages per second, last 5 minutes"
      >
        <path d={path} />
      </svg>
      <figcaption>messages/s, last 5 min (peak {Math.round(peak)})</figcaption>
    </figure>
  );
}
