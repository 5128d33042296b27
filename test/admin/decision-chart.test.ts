// The overview's chart: plain SVG rendered on the server (no script, nothing fetched), bars
// proportional to the counts, fail-closed denies in their own series on top. No database needed.
import { axisTop, chartSeries, DecisionChart } from "@pea/admin";
import type { DecisionHour } from "@pea/policy-store";
import { describe, expect, it } from "vitest";

const hour = (i: number, allow: number, deny: Record<string, number> = {}): DecisionHour => ({
  hour: new Date(Date.UTC(2026, 10, 27, i)).toISOString(),
  allow,
  deny,
});
const render = (hours: DecisionHour[]) => String(DecisionChart({ hours, options: { width: 480, height: 200 } }));
const rects = (svg: string) =>
  [
    ...svg.matchAll(
      /<rect class="([^"]+)" data-series="([^"]+)" x="([\d.]+)" width="([\d.]+)" y="([\d.]+)" height="([\d.]+)"/g,
    ),
  ].map((m) => ({ cls: m[1], series: m[2], x: Number(m[3]), y: Number(m[5]), height: Number(m[6]) }));

describe("the decisions-per-hour chart", () => {
  it("is one self-contained SVG: no script, no external reference, an accessible label", () => {
    const svg = render([hour(0, 5, { barrier: 2 }), hour(1, 0)]);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain('role="img"');
    expect(svg).toMatch(/aria-label="Decisions per hour over the last 2 hours, up to 7 in one hour"/);
    expect(svg).not.toMatch(/<script|href=|url\(|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it("stacks allow, policy denies, then fail-closed denies, each bar proportional to its count", () => {
    const svg = render([hour(0, 10, { barrier: 5, store_unavailable: 5 }), hour(1, 20)]);
    const bars = rects(svg);
    expect(bars.map((b) => b.series)).toEqual(["allow", "barrier", "store_unavailable", "allow"]);
    expect(bars.map((b) => b.cls)).toEqual(["s-allow", "s-deny", "s-failclosed", "s-allow"]);
    // Axis top 20: plot height 200 - 8 - 24 = 168; 10 decisions are half of it.
    const [allow0, barrier0, failed0, allow1] = bars as [
      (typeof bars)[0],
      (typeof bars)[0],
      (typeof bars)[0],
      (typeof bars)[0],
    ];
    expect(allow0.height).toBeCloseTo(84, 0);
    expect(barrier0.height).toBeCloseTo(42, 0);
    expect(allow1.height).toBeCloseTo(168, 0);
    // Stacked: each segment sits on the one below it.
    expect(barrier0.y + barrier0.height).toBeCloseTo(allow0.y, 0);
    expect(failed0.y + failed0.height).toBeCloseTo(barrier0.y, 0);
    expect(allow1.x).toBeGreaterThan(allow0.x);
    // Every segment says what it is in words (tooltip and screen readers).
    expect(svg).toContain("<title>2026-11-27 00:00 UTC: 5 denied store_unavailable</title>");
  });

  it("draws an empty day without dividing by zero, and escapes what it prints", () => {
    const svg = render(Array.from({ length: 24 }, (_, i) => hour(i, 0)));
    expect(rects(svg)).toEqual([]);
    expect(svg).not.toContain("NaN");
    const odd = render([hour(0, 0, { "<script>": 1 })]);
    expect(odd).not.toContain("<script>");
  });

  it("rounds the axis to a readable top and orders series with fail-closed last", () => {
    expect([0, 1, 3, 7, 12, 99, 101, 4_999].map(axisTop)).toEqual([1, 1, 5, 10, 20, 100, 200, 5_000]);
    expect(chartSeries([hour(0, 1, { evaluation_error: 1, sod: 1 }), hour(1, 1, { barrier: 1 })])).toEqual([
      "allow",
      "barrier",
      "sod",
      "evaluation_error",
    ]);
  });
});
