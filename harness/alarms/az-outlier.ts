// Rule kind `az-outlier`: one AZ far worse than the others, the signal of a zonal
// fault that a regional figure hides. Per AZ, the window's error rate (or latency
// percentile); ALARM when it is at or above `floor` and more than `factor` times the
// median of the other AZs' figures (with at least `minRequests` in the window).

import type { AzOutlierRule } from './rules.ts';
import { type Judgement, pct, ScopedAlarms, secs, type Series } from './scoped.ts';

export class AzOutlierAlarms extends ScopedAlarms<AzOutlierRule> {
  private figures = new Map<string, { v: number; n: number; errors: number }>();

  constructor(rule: AzOutlierRule) {
    super({ ...rule, per: ['az'] });
  }

  protected keepMs(): number {
    return this.rule.windowMs;
  }

  protected override prepare(now: number): void {
    const r = this.rule;
    this.figures = new Map();
    for (const s of this.series.values()) {
      const w = s.window(now, r.windowMs);
      const v = r.signal === 'latency' ? (s.latency(now, r.windowMs, r.percentile / 100).value ?? 0) : w.n ? w.errors / w.n : 0;
      this.figures.set(s.key, { v, n: w.n, errors: w.errors });
    }
  }

  protected judge(s: Series, _now: number): Judgement {
    const r = this.rule;
    const me = this.figures.get(s.key) ?? { v: 0, n: 0, errors: 0 };
    const others = [...this.figures]
      .filter(([k, f]) => k !== s.key && f.n >= r.minRequests)
      .map(([, f]) => f.v)
      .sort((a, b) => a - b);
    const median =
      others.length === 0
        ? null
        : others.length % 2
          ? (others[(others.length - 1) / 2] as number)
          : ((others[others.length / 2 - 1] as number) + (others[others.length / 2] as number)) / 2;
    const show = (x: number): string => (r.signal === 'latency' ? `${Math.round(x)}ms` : pct(x));
    const fires = median !== null && me.n >= r.minRequests && me.v >= r.floor && me.v > r.factor * median;
    const what = r.signal === 'latency' ? `p${r.percentile} latency` : 'error rate';
    const reason =
      median === null
        ? `no other AZ with ${r.minRequests} requests in the last ${secs(r.windowMs)} to compare with`
        : `${what} ${show(me.v)} over the last ${secs(r.windowMs)} against a median of ${show(median)} in the other AZs (${fires ? '>' : 'not above'} ${r.factor}x and floor ${show(r.floor)})`;
    return { to: fires ? 'ALARM' : 'OK', errorRate: me.n ? me.errors / me.n : 0, requests: me.n, reason };
  }
}
