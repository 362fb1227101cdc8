// result.json: what CI and the report read. Fields (documented in README.md):
//   verdict   "pass" | "fail" | "unknown"  (worst of the checks; unknown if interrupted or failed to run)
//   seed, runId, experiment {title, file}, provider, target {name, bugs}
//   checks    [{name, verdict, summary, ...details}]
//   phases    [{name, startMs, endMs}]  (ms since the start of the run)
//   faults    [{id, kind, nodes, injectedAtMs, healedAtMs, injectTookMs, firstErrorAfterMs, alarmAfterMs}]
//   alarms    {changes: [...alarms.ndjson], raised, cleared, stillInAlarm}
//   figures   {wallMs, clusterStartMs, operations, opsPerSec, byType, latencyMs {p50,p99,max}, ...}

import { readFileSync } from 'node:fs';
import type { CanaryStats } from '../../canaries/canary.ts';
import type { AlarmChange } from '../alarms/error-rate.ts';
import { combineVerdicts, type CheckResult, type Verdict } from '../checkers/check.ts';
import type { FaultRecord } from '../faults/journal.ts';
import { isServed, type Op } from '../history/op.ts';
import type { Prepared } from './prepare.ts';
import { canaryRateWarnings, unsafeModeWarnings } from './warnings.ts';

export interface PhaseMark {
  name: string;
  startMs: number;
  endMs: number;
}

export interface FaultFigure {
  readonly id: string;
  readonly kind: string;
  readonly nodes: readonly string[];
  readonly injectedAtMs: number;
  readonly healedAtMs: number | null;
  readonly injectTookMs: number | null;
  /** From the injection to the first request a canary saw fail (or time out), ms. */
  readonly firstErrorAfterMs: number | null;
  /** From the injection to the first alarm going to ALARM, ms. */
  readonly alarmAfterMs: number | null;
  readonly alarm: string | null;
}

export interface RunResult {
  readonly gameday: string;
  readonly verdict: Verdict;
  readonly seed: number;
  readonly runId: string;
  readonly runDir: string;
  readonly experiment: { readonly title: string; readonly file: string };
  readonly provider: string;
  readonly target: { readonly name: string; readonly bugs: readonly string[] };
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly interrupted: boolean;
  readonly error?: string;
  /** What this run could not show (an unsafe mode the plan cannot exercise, canaries that missed their rate). */
  readonly warnings: readonly string[];
  readonly checks: readonly (Record<string, unknown> & { name: string; verdict: Verdict; summary: string })[];
  readonly phases: readonly PhaseMark[];
  readonly faults: readonly FaultFigure[];
  readonly alarms: { readonly changes: readonly AlarmChange[]; readonly raised: number; readonly cleared: number; readonly stillInAlarm: readonly string[] };
  readonly figures: Record<string, unknown>;
  readonly files: Record<string, string>;
}

export interface ResultInput {
  readonly p: Prepared;
  readonly history: readonly Op[];
  readonly faults: readonly FaultRecord[];
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly wallMs: number;
  readonly clusterStartMs: number;
  readonly phases: readonly PhaseMark[];
  readonly checks: readonly CheckResult[];
  readonly alarmChanges: readonly AlarmChange[];
  readonly runDir: string;
  readonly unread: readonly string[];
  readonly interrupted: boolean;
  readonly error?: string;
  readonly canaryStats?: readonly CanaryStats[];
}

const version = (): string => (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

export function faultFigures(faults: readonly FaultRecord[], history: readonly Op[], alarms: readonly AlarmChange[]): FaultFigure[] {
  const completions = history.filter((o) => o.type !== 'invoke' && !o.final && !isServed(o));
  const out: FaultFigure[] = [];
  for (const inj of faults.filter((f) => f.event === 'inject' && !f.error)) {
    const heal = faults.find((f) => f.event === 'heal' && f.id === inj.id);
    const until = heal ? heal.time : Infinity;
    // the first failed request that was in flight or started after the injection, completing before the heal (+ one timeout)
    const firstErr = completions.filter((o) => o.time >= inj.time && o.time - (o.latencyMs ?? 0) <= until).map((o) => o.time).sort((a, b) => a - b)[0];
    const alarm = alarms.filter((a) => a.to === 'ALARM' && a.time >= inj.time && a.time <= until + 10_000).sort((a, b) => a.time - b.time)[0];
    out.push({
      id: inj.id, kind: inj.kind, nodes: inj.nodes, injectedAtMs: inj.time, healedAtMs: heal ? heal.time : null, injectTookMs: inj.tookMs ?? null,
      firstErrorAfterMs: firstErr === undefined ? null : Math.round(firstErr - inj.time),
      alarmAfterMs: alarm ? Math.round(alarm.time - inj.time) : null,
      alarm: alarm ? alarm.alarm : null,
    });
  }
  return out;
}

/** Lowest and median achieved rate over the canaries (calls started per second). */
function rateRange(stats: readonly CanaryStats[]): { min: number | null; median: number | null } {
  const xs = stats.map((s) => s.achievedOpsPerSec).sort((a, b) => a - b);
  return { min: xs[0] ?? null, median: quantile(xs, 0.5) };
}

export function buildResult(i: ResultInput): RunResult {
  const exp = i.p.experiment;
  const canaryOps = i.history.filter((o) => o.type !== 'invoke' && !o.final);
  const lat = canaryOps.filter((o) => o.type === 'ok').map((o) => o.latencyMs ?? 0).sort((a, b) => a - b);
  const canaryPhase = i.phases.filter((ph) => ['baseline', 'chaos', 'recovery'].includes(ph.name));
  const canarySecs = canaryPhase.reduce((s, ph) => s + (ph.endMs - ph.startMs), 0) / 1000;
  const byType: Record<string, number> = { ok: 0, fail: 0, info: 0 };
  for (const o of canaryOps) byType[o.type] = (byType[o.type] ?? 0) + 1;
  const faults = faultFigures(i.faults, i.history, i.alarmChanges);
  const finalState = new Map<string, string>();
  for (const c of i.alarmChanges) finalState.set(c.alarm, c.to);
  let checks: CheckResult[] = [...i.checks];
  if (i.unread.length > 0) checks.push({ name: 'final-reads', verdict: 'unknown', summary: `${i.unread.length} keys could not be read back: ${i.unread.slice(0, 5).join(', ')}`, details: { unread: i.unread } });
  if (i.interrupted) checks = [{ name: 'run', verdict: 'unknown', summary: 'interrupted before the checks; faults were healed and the cluster stopped' }];
  if (i.error) checks = [{ name: 'run', verdict: 'unknown', summary: `the run failed: ${i.error}` }];
  const med = (xs: (number | null)[]): number | null => quantile(xs.filter((x): x is number => x !== null).sort((a, b) => a - b), 0.5);
  return {
    gameday: version(),
    verdict: combineVerdicts(checks.map((c) => c.verdict)),
    seed: i.p.seed,
    runId: i.p.runId,
    runDir: i.runDir,
    experiment: { title: exp.title, file: i.p.file },
    provider: exp.provider,
    target: { name: exp.target.name, bugs: exp.target.bugs },
    startedAt: i.startedAt.toISOString(),
    finishedAt: i.finishedAt.toISOString(),
    interrupted: i.interrupted,
    ...(i.error ? { error: i.error } : {}),
    warnings: [...unsafeModeWarnings(exp.target.bugs, i.p.plan, i.p.topology), ...canaryRateWarnings(i.canaryStats ?? [])],
    checks: checks.map((c) => ({ ...(c.details ?? {}), name: c.name, verdict: c.verdict, summary: c.summary })),
    phases: i.phases.map((ph) => ({ name: ph.name, startMs: Math.round(ph.startMs), endMs: Math.round(ph.endMs) })),
    faults,
    alarms: {
      changes: i.alarmChanges,
      raised: i.alarmChanges.filter((c) => c.to === 'ALARM').length,
      cleared: i.alarmChanges.filter((c) => c.to === 'OK').length,
      stillInAlarm: [...finalState].filter(([, s]) => s === 'ALARM').map(([a]) => a),
    },
    figures: {
      wallMs: i.wallMs,
      clusterStartMs: i.clusterStartMs,
      canaries: new Set(canaryOps.map((o) => `${o.az}|${o.endpoint}`)).size,
      operations: canaryOps.length,
      opsPerSec: canarySecs > 0 ? Math.round((canaryOps.length / canarySecs) * 10) / 10 : 0,
      requestedOpsPerSec: exp.canaries.rate,
      achievedOpsPerSec: rateRange(i.canaryStats ?? []),
      canaryRates: i.canaryStats ?? [],
      byType,
      latencyMs: { p50: quantile(lat, 0.5), p99: quantile(lat, 0.99), max: lat.length ? lat[lat.length - 1] : null },
      medianFirstErrorAfterMs: med(faults.map((f) => f.firstErrorAfterMs)),
      medianAlarmAfterMs: med(faults.map((f) => f.alarmAfterMs)),
    },
    files: {
      history: 'history.ndjson', faults: 'faults.ndjson', alarms: 'alarms.ndjson', plan: 'plan.json', experiment: 'experiment.json',
      log: 'gameday.log', result: 'result.json', junit: 'junit.xml', report: 'report.html',
    },
  };
}
