// Rule kind `error-rate`: the error rate the canaries saw over a sliding window.
// ALARM when it reaches the threshold (with at least `minRequests` in the window),
// OK again when it falls below the clear rate.

import type { AlarmSpec } from '../experiment/schema.ts';
import type { ErrorRateRule } from './rules.ts';
import { type Judgement, pct, ScopedAlarms, secs, type Series } from './scoped.ts';

export type { AlarmChange, AlarmState } from './scoped.ts';

export class ErrorRateAlarms extends ScopedAlarms<ErrorRateRule> {
  protected keepMs(): number {
    return this.rule.windowMs;
  }

  protected judge(s: Series, now: number): Judgement {
    const r = this.rule;
    const { n, errors } = s.window(now, r.windowMs);
    const rate = n === 0 ? 0 : errors / n;
    const to = s.state === 'OK' ? (n >= r.minRequests && rate >= r.errorRate ? 'ALARM' : 'OK') : n === 0 || rate < r.clearRate ? 'OK' : 'ALARM';
    const what = `${errors} of ${n} requests failed in the last ${secs(r.windowMs)}`;
    return {
      to,
      errorRate: rate,
      requests: n,
      reason: to === 'ALARM' ? `${what} (${pct(rate)} >= ${pct(r.errorRate)})` : `${what} (${pct(rate)} < ${pct(r.clearRate)})`,
    };
  }
}

/** The one error-rate rule of an `alarms:` block written the first way (window, error-rate, ...). */
export const errorRateRule = (spec: Pick<AlarmSpec, 'windowMs' | 'errorRate' | 'clearRate' | 'minRequests'>, name = 'error-rate'): ErrorRateRule => ({
  kind: 'error-rate',
  name,
  per: ['az', 'endpoint'],
  windowMs: spec.windowMs,
  errorRate: spec.errorRate,
  clearRate: spec.clearRate,
  minRequests: spec.minRequests,
});
