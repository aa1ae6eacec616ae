/**
 * The latency-distribution chart of a bench run, as a hand-written SVG (no dependency): one panel
 * per load mode (saturation, fixed rate), latency in ms on a log scale against the percentile on a
 * log scale of 1 / (1 - p) (p0, p90, p99, p99.9, p99.99, then the max), one line per server.
 */
import type { LatencySummary } from "./stats.js";

export interface ChartSeries {
  label: string;
  color: string;
  summary: LatencySummary;
}

export interface ChartPanel {
  title: string;
  series: ChartSeries[];
}

const W = 480;
const H = 400;
const M = { left: 64, right: 16, top: 40, bottom: 84 };
/** x position of the max (beyond p99.99, which sits at 4 decades). */
const MAX_DECADES = 4.6;

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Decades of 1 / (1 - p/100): p0 -> 0, p90 -> 1, p99 -> 2 ...; p100 (the max) -> MAX_DECADES. */
export function percentileDecades(p: number): number {
  if (p >= 100) return MAX_DECADES;
  if (p <= 0) return 0;
  return Math.min(MAX_DECADES, -Math.log10(1 - p / 100));
}

const n = (x: number) => (Math.round(x * 10) / 10).toString();

function panel(p: ChartPanel, x0: number): string {
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const values = p.series.flatMap((s) => s.summary.distribution.map(([, ms]) => ms)).filter((v) => v > 0);
  const lo = values.length > 0 ? 10 ** Math.floor(Math.log10(Math.min(...values))) : 0.1;
  const hi = values.length > 0 ? 10 ** Math.ceil(Math.log10(Math.max(...values))) : 10;
  const top = hi > lo ? hi : lo * 10;
  const sx = (d: number) => x0 + M.left + (d / MAX_DECADES) * pw;
  const sy = (ms: number) =>
    M.top + ph - ((Math.log10(Math.max(ms, lo)) - Math.log10(lo)) / (Math.log10(top) - Math.log10(lo))) * ph;
  const out: string[] = [];
  out.push(`<g class="panel">`);
  out.push(
    `<text x="${n(x0 + M.left + pw / 2)}" y="${M.top - 16}" text-anchor="middle" font-size="14" font-weight="bold">${esc(p.title)}</text>`,
  );
  out.push(
    `<rect x="${n(x0 + M.left)}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`,
  );
  for (let e = Math.log10(lo); e <= Math.log10(top) + 1e-9; e++) {
    const y = sy(10 ** e);
    const label = 10 ** e >= 1 ? (10 ** e).toFixed(0) : (10 ** e).toPrecision(1);
    out.push(
      `<line x1="${n(x0 + M.left)}" y1="${n(y)}" x2="${n(x0 + M.left + pw)}" y2="${n(y)}" stroke="#ddd"/>`,
      `<text x="${n(x0 + M.left - 6)}" y="${n(y + 4)}" text-anchor="end" font-size="11">${label}</text>`,
    );
  }
  const ticks: Array<[number, string]> = [
    [0, "p0"],
    [50, "p50"],
    [90, "p90"],
    [99, "p99"],
    [99.9, "p99.9"],
    [99.99, "p99.99"],
    [100, "max"],
  ];
  for (const [pc, label] of ticks) {
    const x = sx(percentileDecades(pc));
    out.push(
      `<line x1="${n(x)}" y1="${M.top}" x2="${n(x)}" y2="${M.top + ph}" stroke="#eee"/>`,
      `<text x="${n(x)}" y="${M.top + ph + 16}" text-anchor="middle" font-size="11">${label}</text>`,
    );
  }
  out.push(
    `<text x="${n(x0 + M.left + pw / 2)}" y="${M.top + ph + 32}" text-anchor="middle" font-size="12">percentile</text>`,
    `<text x="${n(x0 + 16)}" y="${n(M.top + ph / 2)}" text-anchor="middle" font-size="12" transform="rotate(-90 ${n(x0 + 16)} ${n(M.top + ph / 2)})">latency (ms, log)</text>`,
  );
  p.series.forEach((s, i) => {
    const pts = s.summary.distribution
      .filter(([, ms]) => Number.isFinite(ms))
      .map(([pc, ms]) => `${n(sx(percentileDecades(pc)))},${n(sy(ms))}`)
      .join(" ");
    out.push(
      `<polyline class="series" data-label="${esc(s.label)}" points="${pts}" fill="none" stroke="${s.color}" stroke-width="2"/>`,
    );
    const ly = M.top + ph + 50 + i * 16;
    out.push(
      `<line x1="${n(x0 + M.left + 10)}" y1="${ly}" x2="${n(x0 + M.left + 30)}" y2="${ly}" stroke="${s.color}" stroke-width="2"/>`,
      `<text x="${n(x0 + M.left + 36)}" y="${ly + 4}" font-size="11">${esc(`${s.label}: p50 ${s.summary.p50.toFixed(2)} ms, p99 ${s.summary.p99.toFixed(2)} ms, ${s.summary.throughput.toFixed(0)}/s`)}</text>`,
    );
  });
  out.push("</g>");
  return out.join("\n");
}

export function latencyChart(title: string, panels: ChartPanel[]): string {
  const width = W * panels.length;
  const height = H + 28;
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="13">${esc(title)}</text>`,
    `<g transform="translate(0 20)">`,
    ...panels.map((p, i) => panel(p, i * W)),
    "</g>",
    "</svg>",
    "",
  ].join("\n");
}
