// Check "alarms": alarm detection is part of the verdict. It fails when a fault with
// customer impact raised no alarm (missed), or an alarm fired with no fault behind it
// (unexplained), naming the fault or the alarm. The same review as `gameday review`.

import type { CheckResult } from '../checkers/check.ts';
import type { AlarmReview } from './review.ts';

export function checkAlarms(r: AlarmReview): CheckResult {
  const count = (o: string): number => r.faults.filter((f) => f.outcome === o).length;
  const details = {
    outcomes: r.faults.map((f) => ({ id: f.id, outcome: f.outcome, alarmAfterMs: f.alarmAfterMs, alarm: f.firstAlarm })),
    unexplained: r.unexplained.map((c) => ({ alarm: c.alarm, time: c.time, reason: c.reason })),
    problems: r.problems,
    graceMs: r.graceMs,
  };
  if (r.problems.length > 0) {
    return { name: 'alarms', verdict: 'fail', summary: `${r.problems[0]}${r.problems.length > 1 ? ` (+${r.problems.length - 1} more)` : ''}`, details };
  }
  const parts = [
    `${count('alarm')} raised an alarm`,
    `${count('already-in-alarm')} found one already in ALARM`,
    `${count('overtaken')} overtaken by the next fault`,
    `${count('below-threshold')} stayed below the alarm threshold`,
    `${count('no-impact')} had no customer impact`,
  ];
  return {
    name: 'alarms',
    verdict: 'pass',
    summary: `every fault with customer impact raised an alarm and none fired without one (${r.faults.length} faults: ${parts.join(', ')})`,
    details,
  };
}
