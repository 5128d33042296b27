/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { DecisionHour } from "@pea/policy-store";
import { isFailClosed } from "@pea/policy-store";

// Decisions per hour as a stacked bar chart, drawn on the server as plain SVG: no script, no
// external font or stylesheet, readable without colour (each bar has a title, the table below
// the chart on the page carries the same numbers).

export interface ChartOptions {
  width?: number;
  height?: number;
}

const PAD = { left: 40, right: 8, top: 8, bottom: 24 };

/** A stable colour class per series: allow, each policy deny reason, fail-closed denies apart. */
export const seriesClass = (series: string) =>
  series === "allow" ? "s-allow" : isFailClosed(series) ? "s-failclosed" : "s-deny";

/** Round `max` up to a readable axis top (1, 2 or 5 times a power of ten). */
export function axisTop(max: number): number {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  return ([1, 2, 5, 10].map((m) => m * power).find((t) => t >= max) ?? 10 * power) as number;
}

/** The series of the chart, bottom to top: allow, then deny reasons (fail-closed last, on top). */
export function chartSeries(hours: readonly DecisionHour[]): string[] {
  const reasons = new Set<string>();
  for (const h of hours) for (const r of Object.keys(h.deny)) reasons.add(r);
  const sorted = [...reasons].sort((a, b) => Number(isFailClosed(a)) - Number(isFailClosed(b)) || a.localeCompare(b));
  return ["allow", ...sorted];
}

const countOf = (h: DecisionHour, series: string) => (series === "allow" ? h.allow : (h.deny[series] ?? 0));

export function DecisionChart(props: { hours: readonly DecisionHour[]; options?: ChartOptions }) {
  const width = props.options?.width ?? 720;
  const height = props.options?.height ?? 220;
  const { hours } = props;
  const series = chartSeries(hours);
  const totals = hours.map((h) => series.reduce((sum, s) => sum + countOf(h, s), 0));
  const top = axisTop(Math.max(0, ...totals));
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, hours.length);
  const barW = Math.max(1, slot * 0.8);
  const y = (n: number) => PAD.top + plotH - (n / top) * plotH;
  const label = `Decisions per hour over the last ${hours.length} hours, up to ${Math.max(0, ...totals)} in one hour`;
  return (
    <svg
      xmlns="http://www.w3.org/2000/svg"
      viewBox={`0 0 ${width} ${height}`}
      width={width}
      height={height}
      role="img"
      aria-label={label}
      class="decision-chart"
      data-testid="decision-chart"
    >
      <title>{label}</title>
      {[0, top / 2, top].map((tick) => (
        <g class="tick">
          <line x1={PAD.left} x2={width - PAD.right} y1={y(tick)} y2={y(tick)} />
          <text x={PAD.left - 4} y={y(tick) + 4} text-anchor="end">
            {tick}
          </text>
        </g>
      ))}
      {hours.map((h, i) => {
        let base = 0;
        const x = PAD.left + i * slot + (slot - barW) / 2;
        const hour = h.hour.slice(11, 13);
        return (
          <g class="bar" data-hour={h.hour}>
            {series.map((s) => {
              const n = countOf(h, s);
              if (n === 0) return null;
              const rect = (
                <rect
                  class={seriesClass(s)}
                  data-series={s}
                  x={x.toFixed(1)}
                  width={barW.toFixed(1)}
                  y={y(base + n).toFixed(1)}
                  height={(y(base) - y(base + n)).toFixed(1)}
                >
                  <title>{`${h.hour.slice(0, 13).replace("T", " ")}:00 UTC: ${n} ${s === "allow" ? "allowed" : `denied ${s}`}`}</title>
                </rect>
              );
              base += n;
              return rect;
            })}
            {i % 3 === 0 ? (
              <text class="hour" x={(x + barW / 2).toFixed(1)} y={height - 8} text-anchor="middle">
                {hour}
              </text>
            ) : null}
          </g>
        );
      })}
    </svg>
  );
}
