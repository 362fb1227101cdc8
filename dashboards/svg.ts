// Inline SVG plots for the report: line charts with shaded fault bands, and
// timelines of bars (phases, faults per node, alarm states). Every label and title
// is escaped; coordinates are numbers only.

import { esc } from './html.ts';

export interface Band {
  readonly from: number;
  readonly to: number;
  /** Drawn at the band's top left (e.g. "f1 power-off az2-store-1"). */
  readonly label: string;
  /** The fault's id, kept on the band's shape (data-fault) for tests and tools. */
  readonly id?: string;
  /** Hover text; the label when absent. */
  readonly title?: string;
}

export interface Line {
  readonly name: string;
  readonly color: string;
  readonly dash?: boolean;
  /** [x ms, y] with y null for a gap. */
  readonly points: readonly (readonly [number, number | null])[];
}

export interface ChartOptions {
  readonly x0: number;
  readonly x1: number;
  readonly yMax?: number;
  readonly yLabel: string;
  readonly yFormat?: (y: number) => string;
  readonly bands?: readonly Band[];
  readonly markers?: readonly { readonly at: number; readonly label: string }[];
  /** Ticks of the x axis instead of times in seconds (e.g. run numbers). */
  readonly xTicks?: readonly { readonly at: number; readonly label: string }[];
  /** A label for the chart itself, kept on the svg (aria-label). */
  readonly title?: string;
  readonly width?: number;
  readonly height?: number;
}

export const PALETTE = ['#1f5fbf', '#d9822b', '#2a9d5c', '#8e44ad', '#c0392b', '#16a2b8', '#7f8c8d', '#b7950b'];

const W = 1100;
const LEFT = 60;
const RIGHT = 150;
const TOP = 14;
const BOTTOM = 26;
const f1 = (n: number): string => (Math.round(n * 10) / 10).toString();

function niceStep(span: number, target: number): number {
  const raw = span / Math.max(1, target);
  const p = 10 ** Math.floor(Math.log10(raw || 1));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

function xAxis(x0: number, x1: number, sx: (x: number) => number, y: number, top: number): string {
  const step = niceStep((x1 - x0) / 1000, 10) * 1000;
  const out: string[] = [];
  for (let t = Math.ceil(x0 / step) * step; t <= x1; t += step) {
    out.push(
      `<line x1="${f1(sx(t))}" x2="${f1(sx(t))}" y1="${top}" y2="${y}" stroke="#eee"/><text x="${f1(sx(t))}" y="${y + 14}" text-anchor="middle">${f1(t / 1000)}s</text>`,
    );
  }
  return out.join('');
}

function ticks(ts: readonly { readonly at: number; readonly label: string }[], sx: (x: number) => number, y: number, top: number): string {
  return ts
    .map(
      (t) =>
        `<line x1="${f1(sx(t.at))}" x2="${f1(sx(t.at))}" y1="${top}" y2="${y}" stroke="#eee"/><text x="${f1(sx(t.at))}" y="${y + 14}" text-anchor="middle">${esc(t.label)}</text>`,
    )
    .join('');
}

/** Shaded bands with their labels staggered into lanes so that overlapping faults stay readable. */
function bandRects(bands: readonly Band[], sx: (x: number) => number, top: number, h: number, x0: number, x1: number): string {
  const lanes: number[] = [];
  return bands
    .map((b) => {
      const x = sx(Math.max(x0, b.from));
      const w = Math.max(1, sx(Math.min(x1, b.to)) - x);
      let lane = lanes.findIndex((end) => end < x);
      if (lane < 0) lane = lanes.length;
      lanes[lane] = x + b.label.length * 6.5 + 4;
      const id = b.id === undefined ? '' : ` data-fault="${esc(b.id)}"`;
      return `<g class="fault-band"${id}><rect x="${f1(x)}" y="${top}" width="${f1(w)}" height="${h}" fill="#e74c3c" fill-opacity="0.12"><title>${esc(b.title ?? b.label)}</title></rect><text class="fault-label" x="${f1(x + 2)}" y="${top + 10 + (lane % 4) * 11}" fill="#b3261e">${esc(b.label)}</text></g>`;
    })
    .join('');
}

export function lineChart(lines: readonly Line[], o: ChartOptions): string {
  const width = o.width ?? W;
  const height = o.height ?? 220;
  const plotW = width - LEFT - RIGHT;
  const plotH = height - TOP - BOTTOM;
  const span = Math.max(1, o.x1 - o.x0);
  const sx = (x: number): number => LEFT + ((x - o.x0) / span) * plotW;
  const ys = lines.flatMap((l) => l.points.map((p) => p[1]).filter((v): v is number => v !== null && Number.isFinite(v)));
  const top = Math.max(1e-9, ...ys) * 1.05;
  const yMax = o.yMax ?? Math.ceil(top / niceStep(top, 4)) * niceStep(top, 4);
  const sy = (y: number): number => TOP + plotH - (Math.min(y, yMax) / yMax) * plotH;
  const fmt = o.yFormat ?? ((y: number) => f1(y));
  const label = o.title === undefined ? '' : ` aria-label="${esc(o.title)}"`;
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img"${label}>`];
  parts.push(bandRects(o.bands ?? [], sx, TOP, plotH, o.x0, o.x1));
  parts.push(o.xTicks ? ticks(o.xTicks, sx, TOP + plotH, TOP) : xAxis(o.x0, o.x1, sx, TOP + plotH, TOP));
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    parts.push(
      `<line x1="${LEFT}" x2="${LEFT + plotW}" y1="${f1(sy(v))}" y2="${f1(sy(v))}" stroke="#eee"/><text x="${LEFT - 4}" y="${f1(sy(v) + 4)}" text-anchor="end">${esc(fmt(v))}</text>`,
    );
  }
  for (const m of o.markers ?? []) {
    parts.push(
      `<line x1="${f1(sx(m.at))}" x2="${f1(sx(m.at))}" y1="${TOP}" y2="${TOP + plotH}" stroke="#999" stroke-dasharray="3,3"/><text x="${f1(sx(m.at) + 2)}" y="${TOP + plotH - 4}" fill="#777">${esc(m.label)}</text>`,
    );
  }
  lines.forEach((l, i) => {
    let seg: string[] = [];
    const flush = (): void => {
      if (seg.length > 1)
        parts.push(`<polyline fill="none" stroke="${esc(l.color)}" stroke-width="1.5"${l.dash ? ' stroke-dasharray="5,3"' : ''} points="${seg.join(' ')}"/>`);
      else if (seg.length === 1) parts.push(`<circle r="1.5" fill="${esc(l.color)}" cx="${seg[0]?.split(',')[0]}" cy="${seg[0]?.split(',')[1]}"/>`);
      seg = [];
    };
    for (const [x, y] of l.points) {
      if (y === null || !Number.isFinite(y)) flush();
      else seg.push(`${f1(sx(x))},${f1(sy(y))}`);
    }
    flush();
    const ly = TOP + 12 + i * 16;
    parts.push(
      `<line x1="${width - RIGHT + 10}" x2="${width - RIGHT + 30}" y1="${ly - 4}" y2="${ly - 4}" stroke="${esc(l.color)}" stroke-width="2"${l.dash ? ' stroke-dasharray="5,3"' : ''}/><text x="${width - RIGHT + 34}" y="${ly}">${esc(l.name)}</text>`,
    );
  });
  parts.push(
    `<line x1="${LEFT}" x2="${LEFT}" y1="${TOP}" y2="${TOP + plotH}" stroke="#555"/><line x1="${LEFT}" x2="${LEFT + plotW}" y1="${TOP + plotH}" y2="${TOP + plotH}" stroke="#555"/>`,
  );
  parts.push(`<text x="12" y="${TOP + plotH / 2}" transform="rotate(-90 12 ${TOP + plotH / 2})" text-anchor="middle">${esc(o.yLabel)}</text></svg>`);
  return parts.join('\n');
}

export interface Bar {
  readonly from: number;
  /** null: still open at the end of the plot. */
  readonly to: number | null;
  readonly color: string;
  readonly title: string;
  readonly text?: string;
}

export interface Row {
  readonly label: string;
  readonly bars: readonly Bar[];
}

/** One row per label, bars from → to on a shared time axis. */
export function timeline(rows: readonly Row[], x0: number, x1: number, bands: readonly Band[] = [], width = W): string {
  const labelW = Math.min(320, Math.max(90, ...rows.map((r) => r.label.length * 6.5 + 12)));
  const rowH = 20;
  const height = TOP + rows.length * rowH + BOTTOM;
  const plotW = width - labelW - 20;
  const span = Math.max(1, x1 - x0);
  const sx = (x: number): number => labelW + ((Math.min(Math.max(x, x0), x1) - x0) / span) * plotW;
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img">`];
  parts.push(xAxis(x0, x1, sx, TOP + rows.length * rowH, TOP));
  for (const b of bands)
    parts.push(
      `<rect class="fault-shade" x="${f1(sx(b.from))}" y="${TOP}" width="${f1(Math.max(1, sx(b.to) - sx(b.from)))}" height="${rows.length * rowH}" fill="#e74c3c" fill-opacity="0.08"><title>${esc(b.title ?? b.label)}</title></rect>`,
    );
  rows.forEach((r, i) => {
    const y = TOP + i * rowH;
    parts.push(`<text x="${labelW - 6}" y="${y + 14}" text-anchor="end">${esc(r.label)}</text>`);
    for (const b of r.bars) {
      const x = sx(b.from);
      const w = Math.max(2, sx(b.to ?? x1) - x);
      parts.push(
        `<rect x="${f1(x)}" y="${y + 3}" width="${f1(w)}" height="${rowH - 6}" rx="2" fill="${esc(b.color)}" fill-opacity="0.8"><title>${esc(b.title)}</title></rect>`,
      );
      if (b.text && w > 24) parts.push(`<text x="${f1(x + 3)}" y="${y + 14}" fill="#fff">${esc(b.text)}</text>`);
    }
  });
  parts.push('</svg>');
  return parts.join('\n');
}
