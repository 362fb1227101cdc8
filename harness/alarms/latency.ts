// Rule kind `latency`: a percentile of the canaries' completed calls' latency over a
// sliding window, ALARM while it is above the bound (with at least `minRequests`).
// Calls that timed out count with their latency (the timeout): slow is slow.

import type { LatencyRule } from './rules.ts';
import { type Judgement, ScopedAlarms, secs, type Series } from './scoped.ts';

export class LatencyAlarms extends ScopedAlarms<LatencyRule> {
  protected keepMs(): number {
    return this.rule.windowMs;
  }

  protected judge(s: Series, now: number): Judgement {
    const r = this.rule;
    const { value, n } = s.latency(now, r.windowMs, r.percentile / 100);
    const { errors } = s.window(now, r.windowMs);
    const v = value ?? 0;
    const to = n >= r.minRequests && v > r.thresholdMs ? 'ALARM' : s.state === 'ALARM' && n > 0 && n < r.minRequests && v > r.thresholdMs ? 'ALARM' : 'OK';
    const what = `p${r.percentile} latency ${Math.round(v)}ms over ${n} requests in the last ${secs(r.windowMs)}`;
    return { to, errorRate: n ? errors / n : 0, requests: n, reason: `${what} (${to === 'ALARM' ? '>' : '<='} ${r.thresholdMs}ms)` };
  }
}
