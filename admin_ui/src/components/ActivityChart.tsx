/**
 * The activity chart (uPlot, bundled into the page): messages per second (left axis) and
 * connected users (right axis) over the last hour, with a time axis. Labels, units and the
 * time axis follow the page's language (the chart is rebuilt when it changes).
 */
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import { activity, type ActivityPoint, historyAvailable } from "../activity.ts";
import { t, tr } from "../i18n.ts";
import { number } from "../format.ts";

const HEIGHT = 220;

function columns(points: ActivityPoint[]): uPlot.AlignedData {
  return [
    points.map((p) => p.at / 1000),
    points.map((p) => p.perSecond),
    points.map((p) => p.users),
  ];
}

function colour(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

function options(width: number): uPlot.Options {
  const text = colour("--muted", "#667085");
  const grid = colour("--line", "#e3e6eb");
  const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
  return {
    width,
    height: HEIGHT,
    legend: { show: true, live: false },
    cursor: { drag: { x: false, y: false } },
    scales: {
      x: { time: true },
      rate: { range: (_u, _min, max) => [0, Math.max(1, max)] },
      users: { range: (_u, _min, max) => [0, Math.max(1, max)] },
    },
    series: [
      { value: (_u, v) => (v === null ? "–" : tr.value.time(v * 1000)) },
      {
        label: t("chart.rate"),
        scale: "rate",
        stroke: colour("--accent", "#2563eb"),
        width: 1.5,
        value: (_u, v) => (v === null ? "–" : t("chart.rateValue", { n: number(v, 1) })),
      },
      {
        label: t("chart.users"),
        scale: "users",
        stroke: colour("--ok", "#1b7f3b"),
        width: 1.5,
        value: (_u, v) => (v === null ? "–" : t("chart.usersValue", { n: v })),
      },
    ],
    axes: [
      {
        ...axis,
        label: t("chart.time"),
        labelSize: 20,
        values: (_u, splits) => splits.map((s) => tr.value.time(s * 1000)),
      },
      { ...axis, scale: "rate", label: t("chart.rate"), labelSize: 20, size: 50 },
      {
        ...axis,
        scale: "users",
        side: 1,
        incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000],
        label: t("chart.users"),
        labelSize: 20,
        size: 50,
        grid: { show: false },
      },
    ],
  };
}

/** The chart, sized to its container. */
export function ActivityChart() {
  const translator = tr.value;
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  useEffect(() => {
    const el = box.current!;
    const chart = new uPlot(options(Math.max(200, el.clientWidth)), columns(activity.peek()), el);
    plot.current = chart;
    const resize = new ResizeObserver(() => {
      chart.setSize({ width: Math.max(200, el.clientWidth), height: HEIGHT });
    });
    resize.observe(el);
    const unsubscribe = activity.subscribe((points) => chart.setData(columns(points)));
    return () => {
      unsubscribe();
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [translator]);
  return (
    <figure class="chart" aria-label={t("chart.label")}>
      <div
        ref={box}
        class="chart-box"
        data-testid="chart"
        role="img"
        aria-label={t("chart.imageLabel")}
      />
      <figcaption>
        {historyAvailable.value ? t("chart.captionHistory") : t("chart.captionNoHistory")}
      </figcaption>
    </figure>
  );
}
