// Small helpers for writing HTML by hand: every value taken from a run folder goes
// through `esc` (text and attribute values alike).

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export const esc = (v: unknown): string => String(v ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c] as string);

export { at, dur } from '../harness/experiment/duration.ts';

export const pct = (x: number | null | undefined, digits = 1): string => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(digits)}%`);

/** A table: header cells and rows of already-escaped cell HTML. */
export function table(head: readonly string[], rows: readonly (readonly string[])[], cls = ''): string {
  const th = head.map((h) => `<th>${esc(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table${cls ? ` class="${esc(cls)}"` : ''}><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

export const section = (id: string, title: string, body: string): string => `<section id="${esc(id)}"><h2>${esc(title)}</h2>\n${body}\n</section>`;

export const badge = (verdict: string): string => `<span class="badge ${esc(verdictClass(verdict))}">${esc(verdict.toUpperCase())}</span>`;

export function verdictClass(v: string): string {
  return v === 'pass' ? 'pass' : v === 'fail' ? 'fail' : 'unknown';
}

/** Pretty JSON, cut at `max` characters, escaped for a <pre>. */
export function jsonBlock(v: unknown, max = 20_000): string {
  let s = JSON.stringify(v, null, 2) ?? 'undefined';
  if (s.length > max) s = `${s.slice(0, max)}\n… (${s.length - max} more characters in result.json)`;
  return `<pre>${esc(s)}</pre>`;
}

export const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
main{max-width:1180px;margin:0 auto;padding:16px 24px 48px}
h1{font-size:22px;margin:8px 0}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d9dde3;padding-bottom:4px}
.banner{padding:16px 20px;border-radius:8px;color:#fff;margin:12px 0}
.banner.pass{background:#1f7a3d}.banner.fail{background:#b3261e}.banner.unknown{background:#8a6d00}
.banner h1{color:#fff}.banner p{margin:4px 0}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;color:#fff}
.badge.pass{background:#1f7a3d}.badge.fail{background:#b3261e}.badge.unknown{background:#8a6d00}
table{border-collapse:collapse;background:#fff;margin:6px 0;font-size:13px}
th,td{border:1px solid #d9dde3;padding:3px 8px;text-align:left;vertical-align:top}th{background:#eef0f3}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.good{background:#e3f4e8}.warn{background:#fff4d6}.bad{background:#fbe1df}
pre,code{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace}pre{background:#fff;border:1px solid #d9dde3;padding:8px;overflow:auto;max-height:420px}
figure{margin:8px 0;background:#fff;border:1px solid #d9dde3;padding:6px}figcaption{font-size:12px;color:#555}
svg text{font:11px system-ui,sans-serif;fill:#333}
.muted{color:#666}details{margin:4px 0}nav a{margin-right:10px}
`;
