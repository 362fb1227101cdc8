// On-call alarm review (after the seed article's customer-facing alarms): for each
// fault, did the canaries see errors, did an alarm fire and how fast after the
// injection, did it clear after the heal; and which alarms fired with no fault in
// force (false or unexplained alarms). Pure: fed with a history, the fault journal
// and alarm state changes (recorded live, or replayed with `replayAlarms`).

import { isServed, type Op } from '../harness/history/op.ts';
import type { AlarmChange } from '../harness/alarms/error-rate.ts';
import type { FaultRecord } from '../harness/faults/journal.ts';

export interface FaultWindow {
  readonly id: string;
  readonly kind: string;
  readonly nodes: readonly string[];
  readonly injectedAtMs: number;
  readonly healedAtMs: number | null;
}

export type ClearState = 'cleared' | 'still-in-alarm' | 'not-healed' | 'no-alarm';

export interface FaultReview extends FaultWindow {
  /** Canary requests that failed or timed out while the fault was in force. */
  readonly canaryErrors: number;
  readonly firstErrorAfterMs: number | null;
  /** An alarm went to ALARM after the injection, or one was already in ALARM at it. */
  readonly alarmed: boolean;
  /** From the injection to the first alarm raised for it (0 when one was already in ALARM at the injection). */
  readonly alarmAfterMs: number | null;
  readonly firstAlarm: string | null;
  /** Alarms raised between the injection and the end of its attribution window. */
  readonly raised: readonly string[];
  /** Alarms already in ALARM (from an earlier fault) when this one was injected. */
  readonly alreadyInAlarm: readonly string[];
  readonly clear: ClearState;
  /** From the heal to the last of its alarms going back to OK (negative: before the heal). */
  readonly clearedAfterHealMs: number | null;
  /** Errors, and no alarm: customers would have seen it before on-call did. */
  readonly missed: boolean;
}

export interface AlarmReview {
  readonly verdict: 'pass' | 'fail';
  readonly faults: readonly FaultReview[];
  /** ALARM transitions with no fault in force (nor within the grace after a heal). */
  readonly unexplained: readonly AlarmChange[];
  readonly stillInAlarmAtEnd: readonly string[];
  readonly changes: readonly AlarmChange[];
  /** Time after a heal within which an alarm is still put down to that fault, ms. */
  readonly graceMs: number;
  readonly problems: readonly string[];
}

export interface ReviewOptions {
  /** Attribution grace after a heal, ms (default: one alarm window + one canary timeout). */
  readonly graceMs: number;
  /** A fault with at least this many canary errors must raise an alarm (default 1). */
  readonly minErrors?: number;
}

/** Injections (failed ones left out) paired with their heals. */
export function faultWindows(records: readonly FaultRecord[]): FaultWindow[] {
  return records
    .filter((r) => r.event === 'inject' && !r.error)
    .map((inj) => {
      const heal = records.find((r) => r.event === 'heal' && r.id === inj.id && r.time >= inj.time);
      return { id: inj.id, kind: inj.kind, nodes: inj.nodes, injectedAtMs: inj.time, healedAtMs: heal ? heal.time : null };
    })
    .sort((a, b) => a.injectedAtMs - b.injectedAtMs);
}

function stateAt(changes: readonly AlarmChange[], t: number): Map<string, AlarmChange> {
  const inAlarm = new Map<string, AlarmChange>();
  for (const c of changes) {
    if (c.time >= t) break;
    if (c.to === 'ALARM') inAlarm.set(c.alarm, c);
    else inAlarm.delete(c.alarm);
  }
  return inAlarm;
}

export function reviewAlarms(history: readonly Op[], records: readonly FaultRecord[], alarmChanges: readonly AlarmChange[], o: ReviewOptions): AlarmReview {
  const changes = [...alarmChanges].sort((a, b) => a.time - b.time);
  const errors = history.filter((op) => op.type !== 'invoke' && !op.final && !isServed(op));
  const windows = faultWindows(records);
  const minErrors = o.minErrors ?? 1;
  const faults = windows.map((w): FaultReview => {
    const until = w.healedAtMs ?? Infinity;
    const errs = errors.filter((e) => e.time >= w.injectedAtMs && e.time - (e.latencyMs ?? 0) <= until);
    const firstErr = Math.min(...errs.map((e) => e.time));
    const before = stateAt(changes, w.injectedAtMs);
    const raisedCh = changes.filter((c) => c.to === 'ALARM' && c.time >= w.injectedAtMs && c.time <= until + o.graceMs);
    const raised = [...new Set(raisedCh.map((c) => c.alarm))];
    const first = raisedCh[0];
    const alreadyInAlarm = [...before.keys()];
    const alarmed = raised.length > 0 || alreadyInAlarm.length > 0;
    let clear: ClearState = 'no-alarm';
    let clearedAfterHealMs: number | null = null;
    if (alarmed && w.healedAtMs === null) clear = 'not-healed';
    else if (alarmed && w.healedAtMs !== null) {
      const heal = w.healedAtMs;
      const involved = new Set([...alreadyInAlarm, ...raised]);
      // alarms in ALARM at the heal, or raised after it (within the grace), must go back to OK
      const pending = new Map<string, number>([...stateAt(changes, heal + 0.001)].filter(([a]) => involved.has(a)).map(([a, c]) => [a, c.time]));
      for (const c of raisedCh) if (c.time > heal && !pending.has(c.alarm)) pending.set(c.alarm, c.time);
      let last = -Infinity;
      let open = false;
      for (const [alarm, from] of pending) {
        const ok = changes.find((c) => c.alarm === alarm && c.to === 'OK' && c.time > from);
        if (!ok) open = true;
        else last = Math.max(last, ok.time);
      }
      if (pending.size === 0) {
        // every alarm of this fault had already cleared before the heal
        last = Math.max(...changes.filter((c) => involved.has(c.alarm) && c.to === 'OK' && c.time <= heal).map((c) => c.time));
      }
      clear = open ? 'still-in-alarm' : 'cleared';
      clearedAfterHealMs = open || !Number.isFinite(last) ? null : Math.round(last - heal);
    }
    return {
      ...w,
      canaryErrors: errs.length,
      firstErrorAfterMs: errs.length ? Math.round(firstErr - w.injectedAtMs) : null,
      alarmed,
      // an alarm already firing at the injection covers it from the first moment
      alarmAfterMs: alreadyInAlarm.length ? 0 : first ? Math.round(first.time - w.injectedAtMs) : null,
      firstAlarm: alreadyInAlarm[0] ?? (first ? first.alarm : null),
      raised,
      alreadyInAlarm,
      clear,
      clearedAfterHealMs,
      missed: errs.length >= minErrors && !alarmed,
    };
  });
  const explained = (c: AlarmChange): boolean => windows.some((w) => c.time >= w.injectedAtMs && c.time <= (w.healedAtMs ?? Infinity) + o.graceMs);
  const unexplained = changes.filter((c) => c.to === 'ALARM' && !explained(c));
  const end = stateAt(changes, Infinity);
  const problems = [
    ...faults.filter((f) => f.missed).map((f) => `${f.id} (${f.kind} ${f.nodes.join(', ')}): ${f.canaryErrors} canary errors and no alarm`),
    ...unexplained.map((c) => `${c.alarm} went to ALARM at +${(c.time / 1000).toFixed(1)}s with no fault in force`),
  ];
  return { verdict: problems.length ? 'fail' : 'pass', faults, unexplained, stillInAlarmAtEnd: [...end.keys()], changes, graceMs: o.graceMs, problems };
}
