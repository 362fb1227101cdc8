// A tiny typed reader for untrusted documents: each accessor checks one field and
// records a problem with its path and a fix, so that a bad experiment file gets every
// problem named at once (and nothing is started).

import { formatMs, parseDuration } from './duration.ts';

export interface Problem {
  readonly path: string;
  readonly message: string;
  readonly fix: string;
}

export class Reader {
  readonly problems: Problem[] = [];

  problem(path: string, message: string, fix: string): void {
    this.problems.push({ path, message, fix });
  }

  obj(v: unknown, path: string, allowed: readonly string[]): Record<string, unknown> | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) {
      this.problem(path, `must be a mapping, got ${describe(v)}`, `write ${path} as "key: value" lines`);
      return undefined;
    }
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (!allowed.includes(k)) {
        const near = closest(k, allowed);
        this.problem(join(path, k), `unknown field "${k}"`, near ? `did you mean "${near}"? (allowed: ${allowed.join(', ')})` : `remove it (allowed: ${allowed.join(', ')})`);
      }
    }
    return o;
  }

  str(v: unknown, path: string, dflt?: string): string | undefined {
    if (v === undefined) return dflt;
    if (typeof v !== 'string' || v.trim() === '') {
      this.problem(path, `must be a non-empty string, got ${describe(v)}`, 'quote the text');
      return dflt;
    }
    return v;
  }

  oneOf<T extends string>(v: unknown, path: string, options: readonly T[], dflt?: T): T | undefined {
    if (v === undefined) return dflt;
    if (typeof v !== 'string' || !(options as readonly string[]).includes(v)) {
      const near = typeof v === 'string' ? closest(v, options) : undefined;
      this.problem(path, `unknown value ${describe(v)}`, `use one of: ${options.join(', ')}${near ? ` (did you mean "${near}"?)` : ''}`);
      return dflt;
    }
    return v as T;
  }

  num(v: unknown, path: string, opts: { min?: number; max?: number; int?: boolean }, dflt?: number): number | undefined {
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      this.problem(path, `must be a number, got ${describe(v)}`, 'write a plain number');
      return dflt;
    }
    if (opts.int && !Number.isInteger(v)) this.problem(path, `must be a whole number, got ${v}`, 'drop the fraction');
    if (opts.min !== undefined && v < opts.min) this.problem(path, `must be at least ${opts.min}, got ${v}`, `use a value >= ${opts.min}`);
    if (opts.max !== undefined && v > opts.max) this.problem(path, `must be at most ${opts.max}, got ${v}`, `use a value <= ${opts.max}`);
    return v;
  }

  duration(v: unknown, path: string, opts: { min?: number; max?: number; positive?: boolean }, dflt?: number): number | undefined {
    if (v === undefined) return dflt;
    const ms = parseDuration(v);
    if (ms === undefined) {
      this.problem(path, `is not a duration: ${describe(v)}`, 'write it like 500ms, 5s, 2m or 1m30s');
      return dflt;
    }
    if (ms < 0) {
      this.problem(path, `must not be negative, got ${describe(v)}`, 'use a positive duration such as 30s');
      return dflt;
    }
    if (opts.positive && ms === 0) this.problem(path, 'must be longer than zero', 'use a positive duration such as 30s');
    if (opts.min !== undefined && ms < opts.min) this.problem(path, `must be at least ${opts.min} ms, got ${ms} ms`, `use at least ${opts.min}ms`);
    if (opts.max !== undefined && ms > opts.max) {
      this.problem(path, `must be at most ${formatMs(opts.max)}, got ${describe(v)}`, `use a duration up to ${formatMs(opts.max)}`);
      return dflt;
    }
    return ms;
  }

  /** A duration or a [min, max] range of durations. */
  range(v: unknown, path: string, dflt: readonly [number, number], max?: number): readonly [number, number] {
    const opts = max === undefined ? {} : { max };
    if (v === undefined) return dflt;
    if (Array.isArray(v)) {
      if (v.length !== 2) {
        this.problem(path, 'a range has exactly two durations', 'write [2s, 5s]');
        return dflt;
      }
      const a = this.duration(v[0], `${path}[0]`, opts);
      const b = this.duration(v[1], `${path}[1]`, opts);
      if (a === undefined || b === undefined) return dflt;
      if (b < a) this.problem(path, 'the second duration is shorter than the first', 'write [shorter, longer]');
      return [a, b];
    }
    const d = this.duration(v, path, opts);
    return d === undefined ? dflt : [d, d];
  }

  bool(v: unknown, path: string, dflt: boolean): boolean {
    if (v === undefined) return dflt;
    if (typeof v !== 'boolean') {
      this.problem(path, `must be true or false, got ${describe(v)}`, 'write true or false');
      return dflt;
    }
    return v;
  }

  list(v: unknown, path: string): unknown[] {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) {
      this.problem(path, `must be a list, got ${describe(v)}`, 'write one "- item" line per entry');
      return [];
    }
    return v;
  }
}

export function join(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return JSON.stringify(v);
}

/** Closest allowed word by edit distance (for "did you mean"). */
export function closest(word: string, options: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const o of options) {
    const d = editDistance(word.toLowerCase(), o.toLowerCase());
    if (d < bestD) {
      best = o;
      bestD = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0] as number;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j] as number;
      dp[j] = Math.min((dp[j] as number) + 1, (dp[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length] as number;
}
