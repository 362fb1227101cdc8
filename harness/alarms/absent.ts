// Rule kind `absent`: a scope's canaries stopped reporting: no call of theirs
// completed (ok, fail or timeout) in the window. A scope is judged once it has
// reported at least once, so the start of a run is not an outage. Calls that hang
// until their timeout complete late, so a window shorter than the canary timeout
// sees a cut-off scope as absent. Only while other scopes still report: when every
// canary has stopped, the run is over (or the harness is), not one scope.

import type { Op } from '../history/op.ts';
import type { AbsentRule } from './rules.ts';
import { counted, type Judgement, ScopedAlarms, secs, type Series } from './scoped.ts';

export class AbsentAlarms extends ScopedAlarms<AbsentRule> {
  private lastAny = -Infinity;

  override add(op: Op): void {
    if (counted(op)) this.lastAny = Math.max(this.lastAny, op.time);
    super.add(op);
  }

  protected keepMs(): number {
    return this.rule.windowMs;
  }

  protected judge(s: Series, now: number): Judgement {
    const last = s.last();
    if (last === undefined) return { to: 'OK', errorRate: 0, requests: 0, reason: 'has not reported yet' };
    const { n } = s.window(now, this.rule.windowMs);
    const quiet = now - last;
    const othersReport = now - this.lastAny < this.rule.windowMs;
    return n === 0 && quiet >= this.rule.windowMs && othersReport
      ? { to: 'ALARM', errorRate: 0, requests: 0, reason: `no canary call completed in the last ${secs(quiet)} (window ${secs(this.rule.windowMs)})` }
      : { to: 'OK', errorRate: 0, requests: n, reason: `${n} canary calls completed in the last ${secs(this.rule.windowMs)}` };
  }
}
