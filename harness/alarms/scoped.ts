// What every rule kind shares: canary completions kept per scope (an AZ, an
// endpoint, an AZ x endpoint pair) with running error counts, and the OK/ALARM
// state machine that turns a rule's judgement into alarms.ndjson lines. Pure: fed
// with completed operations and asked to evaluate at a time, so the same code runs
// live during a game day and afterwards over history.ndjson (`gameday review`).

import { isServed, type Op } from '../history/op.ts';
import type { AlarmPer, AlarmRule } from './rules.ts';

export type AlarmState = 'OK' | 'ALARM';

export interface AlarmScope {
  readonly az?: string;
  readonly endpoint?: string;
}

export interface AlarmChange {
  /** e.g. "error-rate az=az1", "p99 endpoint=az2-router-1", "slow az=az1 endpoint=az1-router-1" */
  readonly alarm: string;
  readonly scope: AlarmScope;
  readonly time: number;
  readonly from: AlarmState;
  readonly to: AlarmState;
  readonly errorRate: number;
  readonly requests: number;
  readonly reason: string;
  /** The rule (name and kind) that raised it; absent in run folders older than rule lists. */
  readonly rule?: string;
  readonly kind?: string;
}

/** Completions of one scope, by completion time, with prefix sums of errors. */
export class Series {
  readonly t: number[] = [];
  readonly lat: number[] = [];
  private readonly errs: number[] = [0];
  private head = 0;
  state: AlarmState = 'OK';
  constructor(
    readonly key: string,
    readonly scope: AlarmScope,
  ) {}

  add(t: number, err: boolean, latencyMs: number): void {
    this.t.push(t);
    this.lat.push(latencyMs);
    this.errs.push((this.errs[this.errs.length - 1] as number) + (err ? 1 : 0));
  }

  /** Completions in (now - windowMs, now]: count and errors. */
  window(now: number, windowMs: number): { n: number; errors: number; from: number; to: number } {
    const from = this.index(now - windowMs);
    const to = this.index(now);
    return { n: to - from, errors: (this.errs[to] as number) - (this.errs[from] as number), from, to };
  }

  /** The q-quantile (0..1) of latencies completed in the window, or null with none. */
  latency(now: number, windowMs: number, q: number): { value: number | null; n: number } {
    const w = this.window(now, windowMs);
    if (w.n === 0) return { value: null, n: 0 };
    const xs = this.lat.slice(w.from, w.to).sort((a, b) => a - b);
    return { value: xs[Math.min(xs.length - 1, Math.max(0, Math.ceil(q * xs.length) - 1))] as number, n: w.n };
  }

  last(): number | undefined {
    return this.t[this.t.length - 1];
  }

  /** Forgets completions older than `before` (kept amortised: splices rarely). */
  trim(before: number): void {
    while (this.head < this.t.length && (this.t[this.head] as number) <= before) this.head++;
    if (this.head > 4096 && this.head * 2 > this.t.length) {
      this.t.splice(0, this.head);
      this.lat.splice(0, this.head);
      this.errs.splice(0, this.head);
      this.head = 0;
    }
  }

  /** First index >= head whose time is > x. */
  private index(x: number): number {
    let lo = this.head;
    let hi = this.t.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if ((this.t[m] as number) <= x) lo = m + 1;
      else hi = m;
    }
    return lo;
  }
}

/** The scope keys one completion belongs to under `per`. */
export function scopesOf(az: string, endpoint: string, per: readonly AlarmPer[]): { key: string; scope: AlarmScope }[] {
  return per.map((p) =>
    p === 'az'
      ? { key: `az=${az}`, scope: { az } }
      : p === 'endpoint'
        ? { key: `endpoint=${endpoint}`, scope: { endpoint } }
        : { key: `az=${az} endpoint=${endpoint}`, scope: { az, endpoint } },
  );
}

/** A rule's verdict on one scope at one time. */
export interface Judgement {
  readonly to: AlarmState;
  readonly errorRate: number;
  readonly requests: number;
  readonly reason: string;
}

/** Live alarms of one rule (every rule kind is one of these). */
export interface RuleAlarms {
  readonly rule: AlarmRule;
  declare(az: string, endpoint: string): void;
  add(op: Op): void;
  evaluate(now: number): AlarmChange[];
  states(): { alarm: string; state: AlarmState }[];
}

/** The completions a rule counts: canary calls with a place, not invokes or the harness's final reads. */
export const counted = (op: Op): boolean => op.type !== 'invoke' && !op.final && op.az !== undefined && op.endpoint !== undefined;
export const isError = (op: Op): boolean => !isServed(op);
/** one decimal, so that a rate just under a threshold never prints as equal to it */
export const pct = (x: number): string => `${(x * 100).toFixed(1).replace(/\.0$/, '')}%`;
export const secs = (ms: number): string => (ms >= 1000 ? `${+(ms / 1000).toFixed(2)}s` : `${Math.round(ms)}ms`);

/** Series per scope and the state machine; a kind supplies `judge` (and `keepMs`, how far back it looks). */
export abstract class ScopedAlarms<R extends AlarmRule> implements RuleAlarms {
  protected readonly series = new Map<string, Series>();
  constructor(readonly rule: R) {}
  protected abstract keepMs(): number;
  /** The verdict for one scope at `now`, given its state. */
  protected abstract judge(s: Series, now: number): Judgement;

  declare(az: string, endpoint: string): void {
    for (const { key, scope } of scopesOf(az, endpoint, this.rule.per)) this.get(key, scope);
  }

  add(op: Op): void {
    if (!counted(op)) return;
    const err = isError(op);
    for (const { key, scope } of scopesOf(op.az as string, op.endpoint as string, this.rule.per)) this.get(key, scope).add(op.time, err, op.latencyMs ?? 0);
  }

  /** Called once per evaluation before the scopes are judged (for kinds that compare scopes). */
  protected prepare(_now: number): void {}

  evaluate(now: number): AlarmChange[] {
    const out: AlarmChange[] = [];
    this.prepare(now);
    for (const s of this.series.values()) {
      s.trim(now - this.keepMs());
      const j = this.judge(s, now);
      if (j.to === s.state) continue;
      out.push({
        alarm: `${this.rule.name} ${s.key}`,
        scope: s.scope,
        time: Math.round(now),
        from: s.state,
        to: j.to,
        errorRate: Math.round(j.errorRate * 1000) / 1000,
        requests: j.requests,
        reason: j.reason,
        rule: this.rule.name,
        kind: this.rule.kind,
      });
      s.state = j.to;
    }
    return out;
  }

  states(): { alarm: string; state: AlarmState }[] {
    return [...this.series.values()].map((s) => ({ alarm: `${this.rule.name} ${s.key}`, state: s.state }));
  }

  protected get(key: string, scope: AlarmScope): Series {
    let s = this.series.get(key);
    if (!s) {
      s = new Series(key, scope);
      this.series.set(key, s);
    }
    return s;
  }
}
