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
import { describeRule } from '../alarms/rules.ts';
import type { AlarmChange } from '../alarms/scoped.ts';
import type { StopHit } from '../alarms/stop-when.ts';
import { outcomeText, type AlarmReview, type FaultOutcome } from '../alarms/review.ts';
import { combineVerdicts, type CheckResult, type Verdict } from '../checkers/check.ts';
import type { FaultRecord } from '../faults/journal.ts';
import type { Op } from '../history/op.ts';
import { quantile } from '../stats/quantile.ts';
import type { Prepared } from './prepare.ts';
import { canaryRateWarnings, capabilityWarnings, unsafeModeWarnings } from './warnings.ts';

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
  /** alarm | already-in-alarm | missed | below-threshold | no-impact (harness/alarms/review.ts) */
  readonly alarmOutcome: FaultOutcome;
  /** From the injection to the first alarm put down to this fault, ms. */
  readonly alarmAfterMs: number | null;
  /** That alarm (or, already-in-alarm, the one already firing). */
  readonly alarm: string | null;
  readonly alarms: readonly string[];
  /** The outcome as the summary and `gameday review` word it. */
  readonly outcomeText: string;
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
  /** Checks pinned to fail by the experiment (`expect:`), with the verdict each really had. */
  readonly expected?: readonly { readonly name: string; readonly got: Verdict }[];
  /** What this run could not show (an unsafe mode the plan cannot exercise, canaries that missed their rate). */
  readonly warnings: readonly string[];
  readonly checks: readonly (Record<string, unknown> & { name: string; verdict: Verdict; summary: string })[];
  readonly phases: readonly PhaseMark[];
  readonly faults: readonly FaultFigure[];
  readonly alarms: {
    readonly rules?: readonly string[];
    readonly changes: readonly AlarmChange[];
    readonly raised: number;
    readonly cleared: number;
    readonly stillInAlarm: readonly string[];
  };
  /** The stop condition that ended chaos early (`stop-when`), if one did. */
  readonly stoppedBy?: StopHit;
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
  readonly review: AlarmReview;
  readonly stoppedBy?: StopHit;
}

const version = (): string => (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Per fault: its times, and its alarm outcome from the review (the one attribution rule). */
export function faultFigures(faults: readonly FaultRecord[], review: AlarmReview): FaultFigure[] {
  return review.faults.map((f) => {
    const inj = faults.find((r) => r.event === 'inject' && r.id === f.id);
    return {
      id: f.id,
      kind: f.kind,
      nodes: f.nodes,
      injectedAtMs: f.injectedAtMs,
      healedAtMs: f.healedAtMs,
      injectTookMs: inj?.tookMs ?? null,
      firstErrorAfterMs: f.firstErrorAfterMs,
      alarmOutcome: f.outcome,
      alarmAfterMs: f.alarmAfterMs,
      alarm: f.firstAlarm,
      alarms: f.outcome === 'already-in-alarm' ? f.alreadyInAlarm : f.raised,
      outcomeText: outcomeText(f),
    };
  });
}

/**
 * Checks the experiment pins to fail: one that failed as expected counts as a pass
 * (its summary says so, its own verdict is kept in `expected`); one that passed fails
 * the run (the weakness it pinned is gone); unknown stays unknown.
 */
export function pinExpected(
  checks: readonly CheckResult[],
  expect: Readonly<Partial<Record<string, 'fail'>>>,
): { name: string; got: Verdict; check: CheckResult }[] {
  return checks
    .filter((c) => expect[c.name] === 'fail')
    .map((c) => {
      const check: CheckResult =
        c.verdict === 'fail'
          ? { ...c, verdict: 'pass', summary: `failed as expected (expect: ${c.name}: fail): ${c.summary}` }
          : c.verdict === 'pass'
            ? {
                ...c,
                verdict: 'fail',
                summary: `expected to fail (expect: ${c.name}: fail), but passed: ${c.summary}; if the weakness is fixed, remove the expectation`,
              }
            : c;
      return { name: c.name, got: c.verdict, check };
    });
}

/** Lowest and median achieved rate over the canaries (calls started per second). */
function rateRange(stats: readonly CanaryStats[]): { min: number | null; median: number | null } {
  const xs = stats.map((s) => s.achievedOpsPerSec).sort((a, b) => a - b);
  return { min: xs[0] ?? null, median: quantile(xs, 0.5) };
}

export function buildResult(i: ResultInput): RunResult {
  const exp = i.p.experiment;
  const canaryOps = i.history.filter((o) => o.type !== 'invoke' && !o.final);
  const lat = canaryOps
    .filter((o) => o.type === 'ok')
    .map((o) => o.latencyMs ?? 0)
    .sort((a, b) => a - b);
  const canaryPhase = i.phases.filter((ph) => ['baseline', 'chaos', 'recovery'].includes(ph.name));
  const canarySecs = canaryPhase.reduce((s, ph) => s + (ph.endMs - ph.startMs), 0) / 1000;
  const byType: Record<string, number> = { ok: 0, fail: 0, info: 0 };
  for (const o of canaryOps) byType[o.type] = (byType[o.type] ?? 0) + 1;
  const faults = faultFigures(i.faults, i.review);
  const finalState = new Map<string, string>();
  for (const c of i.alarmChanges) finalState.set(c.alarm, c.to);
  let checks: CheckResult[] = [...i.checks];
  if (i.unread.length > 0)
    checks.push({
      name: 'final-reads',
      verdict: 'unknown',
      summary: `${i.unread.length} keys could not be read back: ${i.unread.slice(0, 5).join(', ')}`,
      details: { unread: i.unread },
    });
  const expected = pinExpected(checks, exp.expect ?? {});
  checks = checks.map((c) => expected.find((e) => e.name === c.name)?.check ?? c);
  if (i.interrupted) checks = [{ name: 'run', verdict: 'unknown', summary: 'interrupted before the checks; faults were healed and the cluster stopped' }];
  if (i.error) checks = [{ name: 'run', verdict: 'unknown', summary: `the run failed: ${i.error}` }];
  const med = (xs: (number | null)[]): number | null =>
    quantile(
      xs.filter((x): x is number => x !== null).sort((a, b) => a - b),
      0.5,
    );
  return {
    gameday: version(),
    verdict: combineVerdicts(checks.map((c) => c.verdict)),
    ...(expected.length ? { expected: expected.map(({ name, got }) => ({ name, got })) } : {}),
    seed: i.p.seed,
    runId: i.p.runId,
    runDir: i.runDir,
    experiment: { title: exp.title, file: i.p.file },
    provider: exp.provider,
    target: { name: i.p.target.name, ...(exp.target.module !== undefined ? { module: exp.target.module } : {}), bugs: exp.target.bugs },
    startedAt: i.startedAt.toISOString(),
    finishedAt: i.finishedAt.toISOString(),
    interrupted: i.interrupted,
    ...(i.error ? { error: i.error } : {}),
    warnings: [
      ...unsafeModeWarnings(exp.target.bugs, i.p.plan, i.p.topology),
      ...capabilityWarnings(i.p.target),
      ...(exp.provider === 'processes' && i.p.plan.faults.some((f) => f.net !== undefined)
        ? [
            "provider processes: network faults cut and slow the canaries' links only (the fault proxy stands in front of the endpoints); the nodes' links to each other are theirs and untouched",
          ]
        : []),
      ...canaryRateWarnings(i.canaryStats ?? []),
    ],
    checks: checks.map((c) => ({ ...(c.details ?? {}), name: c.name, verdict: c.verdict, summary: c.summary })),
    phases: i.phases.map((ph) => ({ name: ph.name, startMs: Math.round(ph.startMs), endMs: Math.round(ph.endMs) })),
    faults,
    ...(i.stoppedBy ? { stoppedBy: i.stoppedBy } : {}),
    alarms: {
      rules: (exp.alarmRules ?? []).map(describeRule),
      changes: i.review.changes,
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
      alarmOutcomes: Object.fromEntries(
        ['alarm', 'already-in-alarm', 'overtaken', 'missed', 'below-threshold', 'no-impact'].map((o) => [o, faults.filter((f) => f.alarmOutcome === o).length]),
      ),
    },
    files: {
      history: 'history.ndjson',
      faults: 'faults.ndjson',
      alarms: 'alarms.ndjson',
      plan: 'plan.json',
      experiment: 'experiment.json',
      log: 'gameday.log',
      result: 'result.json',
      junit: 'junit.xml',
      report: 'report.html',
    },
  };
}
