// On-call alarm review (after the seed article's customer-facing alarms), and the one
// rule that puts each alarm down to a fault. The run's summary, result.json, the
// report, check "alarms" and `gameday review` all read this, so they cannot disagree.
//
// The rule, per alarm scope S (an AZ, or an endpoint) and fault f (in force from its
// injection to its heal):
//   - S saw f's errors when at least one canary call in S started while f was in
//     force failed, and calls in S started then failed at more than 1.5x the rate of
//     calls started just before f (since the last injection or heal of another fault,
//     at most one alarm window back). "While f was in force" is measured up to the
//     next injection or heal of another fault, so that what a later fault does is not
//     counted as f's (the whole hold when that leaves fewer than min-requests calls).
//     Calls are placed by their start times, so a call that hangs until its timeout
//     counts where it began.
//     ("Just before" falls back to the scope's quiet rate, with no fault in force, when
//     too few calls started there to tell.)
//   - An alarm that goes to ALARM at t is put down to the fault, among those in force
//     at t (or healed at most `graceMs` before) whose errors its scope saw, that was
//     injected last; failing that, to the last of them whose hold its scope's calls
//     failed in above the scope's quiet rate (overlapping faults can each add too
//     little to stand out alone). No such fault: the alarm is unexplained.
//   - Each fault then has one outcome: `alarm` (an alarm was put down to it),
//     `already-in-alarm` (a scope that saw its errors was in ALARM when it came),
//     `missed` (a scope saw its errors at 1.25x the alarm's own error rate or more,
//     as a full alarm window would have seen them, with at least 5 errors, and no
//     alarm came), `overtaken` (no alarm of its own, but
//     the next fault came within one alarm window, before the rule could judge this
//     one alone, and an alarm put down to that one is in a scope that saw this one's
//     errors too), `below-threshold` (errors, but fewer than the alarm rule asks for),
//     or `no-impact` (no scope saw its errors).
// Pure: history, fault journal and alarm state changes in, review out.

import type { AlarmSpec, Experiment } from '../experiment/schema.ts';
import type { FaultRecord } from '../faults/journal.ts';
import { isServed, type Op } from '../history/op.ts';
import type { AlarmChange } from './scoped.ts';

export interface FaultWindow {
  readonly id: string;
  readonly kind: string;
  readonly nodes: readonly string[];
  /** When the injection began (faults.ndjson's inject time less its tookMs). */
  readonly injectedAtMs: number;
  readonly healedAtMs: number | null;
}

export type ClearState = 'cleared' | 'still-in-alarm' | 'not-healed' | 'no-alarm';
export type FaultOutcome = 'alarm' | 'already-in-alarm' | 'overtaken' | 'missed' | 'below-threshold' | 'no-impact';

/** What one scope saw of one fault. */
export interface ScopeImpact {
  readonly scope: string;
  readonly calls: number;
  readonly errors: number;
  readonly errorRate: number;
  readonly errorRateBefore: number;
  /** errorRate as a full alarm window would have seen it (diluted when the fault was shorter than the window). */
  readonly windowRate: number;
}

export interface FaultReview extends FaultWindow {
  readonly outcome: FaultOutcome;
  /** Canary calls that failed or timed out, started while the fault was in force (any scope). */
  readonly canaryErrors: number;
  readonly firstErrorAfterMs: number | null;
  /** Scopes that saw this fault's errors (see the rule above), worst first. */
  readonly impact: readonly ScopeImpact[];
  /** An alarm was put down to it, or one that saw its errors was already in ALARM. */
  readonly alarmed: boolean;
  /** From the injection to the first alarm put down to it (null for already-in-alarm: no new alarm). */
  readonly alarmAfterMs: number | null;
  readonly firstAlarm: string | null;
  /** Alarms put down to this fault. */
  readonly raised: readonly string[];
  /** Alarms of scopes that saw its errors, already in ALARM when it was injected. */
  readonly alreadyInAlarm: readonly string[];
  /** outcome 'overtaken': the fault whose alarm covers this one. */
  readonly overtakenBy: string | null;
  readonly clear: ClearState;
  /** From the heal to the last of its alarms going back to OK (negative: before the heal). */
  readonly clearedAfterHealMs: number | null;
  /** outcome === 'missed': customers saw it before on-call would have. */
  readonly missed: boolean;
}

export interface AttributedChange extends AlarmChange {
  /** For a change to ALARM: the fault it is put down to, or null (unexplained). */
  readonly fault: string | null;
}

export interface AlarmReview {
  readonly verdict: 'pass' | 'fail';
  readonly faults: readonly FaultReview[];
  /** ALARM transitions that no fault's errors explain. */
  readonly unexplained: readonly AlarmChange[];
  readonly stillInAlarmAtEnd: readonly string[];
  readonly changes: readonly AttributedChange[];
  /** Time after a heal within which an alarm is still put down to that fault, ms. */
  readonly graceMs: number;
  readonly problems: readonly string[];
}

export interface ReviewOptions {
  /** Attribution grace after a heal, ms (default: one alarm window + one canary timeout). */
  readonly graceMs: number;
  /** The alarm rule: its window bounds "just before", its error rate and min-requests decide `missed`. */
  readonly spec: Pick<AlarmSpec, 'windowMs' | 'errorRate' | 'minRequests'>;
  /** A missed alarm needs at least this many errors in the scope (default DEFAULT_MIN_ERRORS). */
  readonly minErrors?: number;
}

/** Calls a scope must have started in a fault's solo stretch to judge it on that stretch alone (else its whole hold). */
const MIN_SOLO_CALLS = 10;

/**
 * A miss needs an error rate this much above the alarm's own: at the threshold itself
 * an alarm may rightly stay quiet (its window can sit just under), so only a rate
 * clearly over it, with no alarm, is called missed.
 */
export const MISS_MARGIN = 1.25;

/** Canary errors a scope must see before a fault without an alarm counts as missed (a handful, not one stray timeout). */
export const DEFAULT_MIN_ERRORS = 5;

/** Injections (failed ones left out) paired with their heals. */
export function faultWindows(records: readonly FaultRecord[]): FaultWindow[] {
  return records
    .filter((r) => r.event === 'inject' && !r.error)
    .map((inj) => {
      const heal = records.find((r) => r.event === 'heal' && r.id === inj.id && r.time >= inj.time);
      // the damage begins when the injection begins: its record is written once the action completed (tookMs later)
      return { id: inj.id, kind: inj.kind, nodes: inj.nodes, injectedAtMs: round3(inj.time - (inj.tookMs ?? 0)), healedAtMs: heal ? heal.time : null };
    })
    .sort((a, b) => a.injectedAtMs - b.injectedAtMs);
}

/** Canary calls of one scope by start time, with running error counts: rates over any start interval in O(log n). */
class ScopeCalls {
  readonly starts: number[] = [];
  private readonly errs: number[] = [0];

  add(start: number, err: boolean): void {
    this.starts.push(start);
    this.errs.push((this.errs[this.errs.length - 1] as number) + (err ? 1 : 0));
  }

  /** Calls started in [from, to]: count and errors. */
  range(from: number, to: number): { calls: number; errors: number } {
    const a = lowerBound(this.starts, from);
    const b = upperBound(this.starts, to);
    return { calls: Math.max(0, b - a), errors: Math.max(0, (this.errs[b] as number) - (this.errs[a] as number)) };
  }
}

/** First index whose value is >= x (or > x when `strict`). */
function lowerBound(xs: readonly number[], x: number, strict = false): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    const v = xs[m] as number;
    if (v < x || (strict && v === x)) lo = m + 1;
    else hi = m;
  }
  return lo;
}
const upperBound = (xs: readonly number[], x: number): number => lowerBound(xs, x, true);

/** The scope name an alarm change is about ("az=az1", "endpoint=az1-router-1"). */
export const scopeName = (s: AlarmChange['scope']): string =>
  s.endpoint !== undefined && s.az !== undefined
    ? `az=${s.az} endpoint=${s.endpoint}`
    : s.endpoint !== undefined
      ? `endpoint=${s.endpoint}`
      : `az=${s.az ?? '?'}`;

/** `pairs`: index AZ x endpoint scopes too (only when some alarm is per az-endpoint, so that other reviews read as before). */
function indexCalls(
  history: readonly Op[],
  pairs: boolean,
): { scopes: Map<string, ScopeCalls>; all: ScopeCalls; errorCalls: { starts: number[]; ends: number[] } } {
  const comps = history
    .filter((o) => o.type !== 'invoke' && !o.final && o.az !== undefined && o.endpoint !== undefined)
    .map((o) => ({ start: o.time - (o.latencyMs ?? 0), end: o.time, err: !isServed(o), az: o.az as string, endpoint: o.endpoint as string }))
    .sort((a, b) => a.start - b.start);
  const scopes = new Map<string, ScopeCalls>();
  const all = new ScopeCalls();
  const errorCalls = { starts: [] as number[], ends: [] as number[] };
  const get = (k: string): ScopeCalls => {
    let s = scopes.get(k);
    if (!s) scopes.set(k, (s = new ScopeCalls()));
    return s;
  };
  for (const c of comps) {
    get(`az=${c.az}`).add(c.start, c.err);
    get(`endpoint=${c.endpoint}`).add(c.start, c.err);
    if (pairs) get(`az=${c.az} endpoint=${c.endpoint}`).add(c.start, c.err);
    all.add(c.start, c.err);
    if (c.err) {
      errorCalls.starts.push(c.start);
      errorCalls.ends.push(c.end);
    }
  }
  return { scopes, all, errorCalls };
}

/** When the first failed call started in [from, to] completed (the earliest completion among the first few starts). */
function firstError(e: { starts: readonly number[]; ends: readonly number[] }, from: number, to: number): number | undefined {
  let best: number | undefined;
  for (let i = lowerBound(e.starts, from); i < e.starts.length && (e.starts[i] as number) <= to; i++) {
    const end = e.ends[i] as number;
    if (best === undefined || end < best) best = end;
    if ((e.starts[i] as number) > (best ?? Infinity)) break; // later starts cannot complete earlier than a completion already seen
  }
  return best;
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
  const windows = faultWindows(records);
  const { scopes, all, errorCalls } = indexCalls(
    history,
    changes.some((c) => c.scope.az !== undefined && c.scope.endpoint !== undefined),
  );
  const lastStart = all.starts[all.starts.length - 1] ?? 0;
  const minErrors = o.minErrors ?? DEFAULT_MIN_ERRORS;
  const events = windows.flatMap((w) => [{ id: w.id, t: w.injectedAtMs }, ...(w.healedAtMs === null ? [] : [{ id: w.id, t: w.healedAtMs }])]);

  // each scope's error rate while no fault was in force (nor within the grace after one): its quiet rate
  const quiet = new Map<string, number>();
  const spans = [
    ...windows.map((w) => [w.injectedAtMs, (w.healedAtMs ?? Infinity) + o.graceMs] as const).sort((a, b) => a[0] - b[0]),
    [Infinity, Infinity] as const,
  ];
  for (const [scope, calls] of scopes) {
    let c = 0;
    let e = 0;
    let from = -Infinity;
    for (const [a, b] of spans) {
      if (a > from) {
        const r = calls.range(from, a - 0.001);
        c += r.calls;
        e += r.errors;
      }
      from = Math.max(from, b);
    }
    quiet.set(scope, c ? e / c : 0);
  }

  // which scopes saw each fault's errors
  const impactOf = new Map<string, ScopeImpact[]>();
  // which scopes it merely touched: calls in them during its hold failed above their quiet rate (a weaker sign, for alarms nothing else explains)
  const touchedBy = new Map<string, Set<string>>();
  for (const w of windows) {
    const others = events.filter((e) => e.id !== w.id);
    const since = Math.max(w.injectedAtMs - o.spec.windowMs, ...others.filter((e) => e.t < w.injectedAtMs).map((e) => e.t));
    // while it is the only change: up to the next injection or heal of another fault (its whole hold if that is too short to tell)
    const until = Math.min(w.healedAtMs ?? Infinity, ...others.filter((e) => e.t > w.injectedAtMs).map((e) => e.t));
    const seen: ScopeImpact[] = [];
    const touched = new Set<string>();
    for (const [scope, calls] of scopes) {
      const hold = calls.range(w.injectedAtMs, w.healedAtMs ?? Infinity);
      const q = quiet.get(scope) ?? 0;
      if (hold.errors > 0 && hold.errors / hold.calls > Math.max(1.5 * q, q + 0.01)) touched.add(scope);
      let end = until;
      let during = calls.range(w.injectedAtMs, end);
      if (during.calls < MIN_SOLO_CALLS) during = calls.range(w.injectedAtMs, (end = w.healedAtMs ?? Infinity));
      if (during.errors === 0) continue;
      const before = calls.range(since, Math.max(since, w.injectedAtMs - 0.001));
      const rate = during.errors / during.calls;
      // just before it, or (too few calls there to tell) the scope's quiet rate
      const rateBefore = before.calls >= MIN_SOLO_CALLS ? before.errors / before.calls : (quiet.get(scope) ?? 0);
      // what a full alarm window would have seen: a fault shorter than the window is diluted by the calls around it
      const span = Math.min(end, lastStart) - w.injectedAtMs;
      const windowRate = rate * Math.min(1, Math.max(0, span) / o.spec.windowMs);
      if (rate > 1.5 * rateBefore)
        seen.push({
          scope,
          calls: during.calls,
          errors: during.errors,
          errorRate: round3(rate),
          errorRateBefore: round3(rateBefore),
          windowRate: round3(windowRate),
        });
    }
    impactOf.set(
      w.id,
      seen.sort((a, b) => b.errorRate - a.errorRate || b.errors - a.errors),
    );
    touchedBy.set(w.id, touched);
  }
  const saw = (w: FaultWindow, scope: string): boolean => (impactOf.get(w.id) ?? []).some((s) => s.scope === scope);

  // each change to ALARM put down to one fault, or to none
  const attributed: AttributedChange[] = changes.map((c) => {
    if (c.to !== 'ALARM') return { ...c, fault: null };
    const scope = scopeName(c.scope);
    const inForce = windows.filter((w) => w.injectedAtMs <= c.time && c.time <= (w.healedAtMs ?? Infinity) + o.graceMs);
    // the last one whose errors the scope saw; failing that, the last one that at least touched the scope
    const cands = inForce.filter((w) => saw(w, scope));
    const weak = inForce.filter((w) => touchedBy.get(w.id)?.has(scope));
    const pick = cands[cands.length - 1] ?? weak[weak.length - 1];
    return { ...c, fault: pick ? pick.id : null };
  });

  const faults = windows.map((w): FaultReview => {
    const until = w.healedAtMs ?? Infinity;
    const impact = impactOf.get(w.id) ?? [];
    const mine = attributed.filter((c) => c.fault === w.id);
    const raised = [...new Set(mine.map((c) => c.alarm))];
    const before = stateAt(changes, w.injectedAtMs);
    const alreadyInAlarm = [...before.values()].filter((c) => saw(w, scopeName(c.scope))).map((c) => c.alarm);
    const errs = all.range(w.injectedAtMs, until);
    const firstErr = firstError(errorCalls, w.injectedAtMs, until);
    const loud = impact.some((s) => s.errors >= minErrors && s.windowRate >= MISS_MARGIN * o.spec.errorRate);
    const soloEnd = Math.min(w.healedAtMs ?? Infinity, ...events.filter((e) => e.id !== w.id && e.t > w.injectedAtMs).map((e) => e.t));
    const overtaker =
      soloEnd - w.injectedAtMs < o.spec.windowMs
        ? attributed.find(
            (c) =>
              c.fault !== null &&
              c.fault !== w.id &&
              c.time >= w.injectedAtMs &&
              saw(w, scopeName(c.scope)) &&
              (windows.find((x) => x.id === c.fault)?.injectedAtMs ?? -1) > w.injectedAtMs,
          )
        : undefined;
    const outcome: FaultOutcome = raised.length
      ? 'alarm'
      : alreadyInAlarm.length
        ? 'already-in-alarm'
        : overtaker
          ? 'overtaken'
          : loud
            ? 'missed'
            : impact.length
              ? 'below-threshold'
              : 'no-impact';
    const { clear, clearedAfterHealMs } = clearing(changes, w, raised, alreadyInAlarm, mine);
    const first = mine[0];
    return {
      ...w,
      outcome,
      canaryErrors: errs.errors,
      firstErrorAfterMs: firstErr !== undefined ? Math.max(0, Math.round(firstErr - w.injectedAtMs)) : null,
      impact,
      alarmed: outcome === 'alarm' || outcome === 'already-in-alarm',
      alarmAfterMs: first ? Math.round(first.time - w.injectedAtMs) : null,
      firstAlarm: first ? first.alarm : (alreadyInAlarm[0] ?? null),
      raised,
      alreadyInAlarm,
      overtakenBy: outcome === 'overtaken' ? (overtaker?.fault ?? null) : null,
      clear,
      clearedAfterHealMs,
      missed: outcome === 'missed',
    };
  });
  const unexplained = attributed.filter((c) => c.to === 'ALARM' && c.fault === null);
  const end = stateAt(changes, Infinity);
  const problems = [
    ...faults.filter((f) => f.missed).map((f) => `${f.id} (${f.kind} ${f.nodes.join(', ')}): ${missText(f)} and no alarm`),
    ...unexplained.map((c) => `${c.alarm} went to ALARM at +${(c.time / 1000).toFixed(1)}s with no fault behind it`),
  ];
  return {
    verdict: problems.length ? 'fail' : 'pass',
    faults,
    unexplained,
    stillInAlarmAtEnd: [...end.keys()],
    changes: attributed,
    graceMs: o.graceMs,
    problems,
  };
}

function missText(f: FaultReview): string {
  const s = f.impact[0];
  return s ? `${s.errors} of ${s.calls} canary calls failed in ${s.scope} (${(s.errorRate * 100).toFixed(1)}%)` : `${f.canaryErrors} canary errors`;
}

/** Did the alarms of a fault go back to OK, and how long after its heal. */
function clearing(
  changes: readonly AlarmChange[],
  w: FaultWindow,
  raised: readonly string[],
  already: readonly string[],
  mine: readonly AlarmChange[],
): { clear: ClearState; clearedAfterHealMs: number | null } {
  if (raised.length === 0 && already.length === 0) return { clear: 'no-alarm', clearedAfterHealMs: null };
  if (w.healedAtMs === null) return { clear: 'not-healed', clearedAfterHealMs: null };
  const heal = w.healedAtMs;
  const involved = new Set([...already, ...raised]);
  // alarms in ALARM at the heal, or raised for it after the heal, must go back to OK
  const pending = new Map<string, number>([...stateAt(changes, heal + 0.001)].filter(([a]) => involved.has(a)).map(([a, c]) => [a, c.time]));
  for (const c of mine) if (c.time > heal && !pending.has(c.alarm)) pending.set(c.alarm, c.time);
  let last = -Infinity;
  let open = false;
  for (const [alarm, from] of pending) {
    const ok = changes.find((c) => c.alarm === alarm && c.to === 'OK' && c.time > from);
    if (!ok) open = true;
    else last = Math.max(last, ok.time);
  }
  if (pending.size === 0) last = Math.max(...changes.filter((c) => involved.has(c.alarm) && c.to === 'OK' && c.time <= heal).map((c) => c.time));
  return { clear: open ? 'still-in-alarm' : 'cleared', clearedAfterHealMs: open || !Number.isFinite(last) ? null : Math.round(last - heal) };
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** How a fault's alarm outcome reads in one line (the summary and `gameday review` print the same words). */
export function outcomeText(f: FaultReview): string {
  const names = (xs: readonly string[]): string => `${xs[0] ?? ''}${xs.length > 1 ? ` +${xs.length - 1} more` : ''}`;
  switch (f.outcome) {
    case 'alarm':
      return `alarm after ${fmtMs(f.alarmAfterMs)} (${names(f.raised)})`;
    case 'already-in-alarm':
      return `already in ALARM (${names(f.alreadyInAlarm)})`;
    case 'overtaken':
      return `no alarm of its own: ${f.overtakenBy ?? 'the next fault'} came within one alarm window, and its alarm covers this one`;
    case 'missed':
      return `NO ALARM (${missText(f)})`;
    case 'below-threshold':
      return 'no alarm (errors below the alarm threshold)';
    case 'no-impact':
      return 'no alarm (no customer impact)';
  }
}

function fmtMs(ms: number | null): string {
  if (ms === null) return '-';
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}

/** Grace after a heal within which an alarm is put down to that fault: one alarm window + one canary timeout. */
export function defaultGraceMs(exp: Pick<Experiment, 'alarms' | 'canaries'> | undefined): number {
  return (exp?.alarms.windowMs ?? 3000) + (exp?.canaries.timeoutMs ?? 2500);
}

/** The review of a run with the experiment's own alarm rule and grace (what the run, the report and `gameday review` use). */
export function reviewRun(
  exp: Pick<Experiment, 'alarms' | 'canaries'>,
  history: readonly Op[],
  records: readonly FaultRecord[],
  changes: readonly AlarmChange[],
  o: { graceMs?: number | undefined; minErrors?: number | undefined } = {},
): AlarmReview {
  return reviewAlarms(history, records, changes, {
    graceMs: o.graceMs ?? defaultGraceMs(exp),
    spec: exp.alarms,
    ...(o.minErrors !== undefined ? { minErrors: o.minErrors } : {}),
  });
}
