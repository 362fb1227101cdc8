// Durations in experiment files and options: "500ms", "5s", "2m", "1m30s", or a plain number of seconds.

const UNIT: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds, or undefined when the text is not a duration. */
export function parseDuration(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v * 1000 : undefined;
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  let neg = false;
  let rest = s;
  if (rest.startsWith('-')) {
    neg = true;
    rest = rest.slice(1);
  }
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(rest)) !== null) {
    total += Number(m[1]) * (UNIT[m[2] as string] as number);
    matched = re.lastIndex;
  }
  if (matched !== rest.length || rest.length === 0) return undefined;
  return neg ? -total : total;
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)}s`;
  if (ms >= 3_600_000) {
    const h = Math.floor(ms / 3_600_000);
    const m = Math.round((ms % 3_600_000) / 60_000);
    return m ? `${h}h${m}m` : `${h}h`;
  }
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return s ? `${m}m${s}s` : `${m}m`;
}

/** Seconds since the run start, e.g. "+12.3s". */
export const at = (ms: number | null | undefined): string => (ms === null || ms === undefined ? '—' : `+${(ms / 1000).toFixed(1)}s`);

/** A duration, e.g. "850ms" or "3.2s". */
export function dur(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const a = Math.abs(ms);
  const s = a < 1000 ? `${Math.round(a)}ms` : `${(a / 1000).toFixed(1)}s`;
  return ms < 0 ? `-${s}` : s;
}
