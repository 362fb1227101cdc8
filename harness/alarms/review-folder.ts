// The alarm review of a run folder (the run's summary, `gameday review` and the report
// all read it from here): the alarms recorded live, the experiment's rule, put down to
// faults by the one attribution rule (review.ts).

import type { RunFolder } from '../runner/run-folder.ts';
import type { AlarmChange } from './error-rate.ts';
import { defaultGraceMs, reviewAlarms, type AlarmReview } from './review.ts';

/** Grace after a heal within which an alarm is put down to that fault: one window + one canary timeout. */
export function graceMs(rf: RunFolder): number {
  return defaultGraceMs(rf.experiment?.experiment);
}

/** The run's alarm review from its folder: the alarms recorded live, the experiment's rule. */
export function reviewFolder(
  rf: RunFolder,
  changes: readonly AlarmChange[] = rf.alarms,
  o: { graceMs?: number | undefined; minErrors?: number | undefined } = {},
): AlarmReview {
  const exp = rf.experiment?.experiment;
  const spec = exp?.alarms ?? { windowMs: 3000, errorRate: 0.2, clearRate: 0.1, minRequests: 5 };
  return reviewAlarms(rf.history, rf.faults, changes, {
    graceMs: o.graceMs ?? graceMs(rf),
    spec,
    ...(o.minErrors !== undefined ? { minErrors: o.minErrors } : {}),
  });
}
