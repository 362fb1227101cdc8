// Stop conditions (after AWS FIS): `stop-when: [{ alarm: <rule>, for: 10s }]` is met
// once any alarm of that rule (any scope) has been in ALARM for that long without
// going back to OK. Pure: fed the alarm state changes and asked at a time.

import type { StopCondition } from './rules.ts';
import type { AlarmChange } from './scoped.ts';

export interface StopHit extends StopCondition {
  /** When the condition was met, ms since the start of the run. */
  readonly atMs: number;
  /** The alarm that had been in ALARM long enough, and since when. */
  readonly by: string;
  readonly inAlarmSinceMs: number;
}

export class StopWatch {
  private readonly since = new Map<string, { rule: string; t: number }>();
  constructor(private readonly conditions: readonly StopCondition[]) {}

  observe(changes: readonly AlarmChange[]): void {
    for (const c of changes) {
      if (c.to === 'ALARM') this.since.set(c.alarm, { rule: c.rule ?? c.alarm.split(' ')[0] ?? c.alarm, t: c.time });
      else this.since.delete(c.alarm);
    }
  }

  /** The first condition met at `now` (in the order written), or undefined. */
  met(now: number): StopHit | undefined {
    for (const cond of this.conditions) {
      let best: { alarm: string; t: number } | undefined;
      for (const [alarm, s] of this.since) if (s.rule === cond.alarm && now - s.t >= cond.forMs && (!best || s.t < best.t)) best = { alarm, t: s.t };
      if (best) return { ...cond, atMs: Math.round(now), by: best.alarm, inAlarmSinceMs: best.t };
    }
    return undefined;
  }
}
