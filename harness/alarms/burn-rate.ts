// Rule kind `burn-rate`: multiwindow, multi-burn-rate alerts on an availability SLO,
// as the SRE workbook's alerting chapter defines them. The burn rate over a window is
// the error rate there divided by the error budget (1 - SLO): at 1x the budget lasts
// exactly the SLO period. Each pair has a long and a short window and a factor (the
// workbook's pages: 14.4x over 1 h and 5 min, 6x over 6 h and 30 min); the alarm is in
// ALARM while, for some pair, both windows burn at or above its factor. The long
// window makes it significant, the short one makes it reset soon after the errors
// stop. `time-scale` multiplies every window so a game day of minutes can run them.

import type { BurnRateRule } from './rules.ts';
import { scaled } from './rules.ts';
import { type Judgement, ScopedAlarms, secs, type Series } from './scoped.ts';

export class BurnRateAlarms extends ScopedAlarms<BurnRateRule> {
  private readonly pairs = scaled(this.rule);

  protected keepMs(): number {
    return Math.max(...this.pairs.map((p) => p.longMs));
  }

  protected judge(s: Series, now: number): Judgement {
    const budget = 1 - this.rule.slo;
    const burn = (ms: number): { rate: number; n: number; errors: number } => {
      const w = s.window(now, ms);
      return { rate: w.n ? w.errors / w.n / budget : 0, n: w.n, errors: w.errors };
    };
    let worst: { text: string; n: number; err: number } | undefined;
    for (const p of this.pairs) {
      const long = burn(p.longMs);
      const short = burn(p.shortMs);
      const fires = long.n >= this.rule.minRequests && short.n >= 1 && long.rate >= p.factor && short.rate >= p.factor;
      const text = `burn rate ${long.rate.toFixed(1)}x over ${secs(p.longMs)} and ${short.rate.toFixed(1)}x over ${secs(p.shortMs)} (${long.errors} of ${long.n} and ${short.errors} of ${short.n} failed)`;
      if (fires) return { to: 'ALARM', errorRate: long.n ? long.errors / long.n : 0, requests: long.n, reason: `${text} >= ${p.factor}x` };
      if (!worst) worst = { text: `${text}: under ${p.factor}x in at least one`, n: long.n, err: long.errors };
    }
    return { to: 'OK', errorRate: worst?.n ? worst.err / worst.n : 0, requests: worst?.n ?? 0, reason: worst?.text ?? 'no window pairs' };
  }
}
