// Replays rule sets over recorded runs (`gameday review <run-dir>... --alarms
// rules.yaml`): "had we had these rules instead, would we have been paged in time,
// and how often for nothing?". Each rule set's alarms are re-derived from each run's
// history, put down to faults by the one attribution rule (review.ts), and counted:
// per fault detected or missed and time to detect; per rule pages, pages with no
// fault behind them, precision (pages with a fault behind them / pages) and recall
// (faults with customer impact it detected / faults with customer impact), over
// every run given. Which faults had customer impact does not depend on the rule set:
// a scope saw at least min-errors of its errors (review.ts), judged with the run's
// own rules, so two rule sets are measured against the same faults. Pure.

import type { FaultRecord } from '../faults/journal.ts';
import type { Op } from '../history/op.ts';
import { replayRules } from './alarm-set.ts';
import { DEFAULT_MIN_ERRORS, type FaultOutcome, reviewAlarms } from './review.ts';
import { type AlarmRule, reviewSpec, ruleWindowMs } from './rules.ts';

export interface ReplayRun {
  readonly name: string;
  readonly history: readonly Op[];
  readonly faults: readonly FaultRecord[];
  /** The rules the run was made with (decide which faults had customer impact). */
  readonly ownRules: readonly AlarmRule[];
  readonly canaryTimeoutMs: number;
}

export interface RuleSet {
  readonly name: string;
  readonly rules: readonly AlarmRule[];
}

export interface RuleFigures {
  readonly rule: string;
  readonly pages: number;
  readonly pagesWithoutFault: number;
  /** null when the rule never paged */
  readonly precision: number | null;
  /** null when no fault had customer impact */
  readonly recall: number | null;
  readonly detected: number;
  readonly medianDetectMs: number | null;
}

export interface FaultDetection {
  readonly run: string;
  readonly id: string;
  readonly kind: string;
  readonly nodes: readonly string[];
  readonly impact: boolean;
  readonly outcome: FaultOutcome;
  readonly detected: boolean;
  readonly detectMs: number | null;
  readonly clearedAfterHealMs: number | null;
  readonly alarm: string | null;
}

export interface RuleSetReplay {
  readonly name: string;
  readonly rules: readonly RuleFigures[];
  readonly total: RuleFigures;
  readonly faults: readonly FaultDetection[];
}

export interface Replay {
  readonly runs: readonly string[];
  readonly faults: number;
  readonly faultsWithImpact: number;
  readonly sets: readonly RuleSetReplay[];
  readonly operations: number;
  readonly elapsedMs: number;
}

const median = (xs: number[]): number | null => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const ratio = (a: number, b: number): number | null => (b === 0 ? null : Math.round((a / b) * 1000) / 1000);

export function replayRuleSets(runs: readonly ReplayRun[], sets: readonly RuleSet[], o: { minErrors?: number; stepMs?: number } = {}): Replay {
  const t0 = performance.now();
  const minErrors = o.minErrors ?? DEFAULT_MIN_ERRORS;
  const grace = (rules: readonly AlarmRule[], run: ReplayRun): number => Math.min(...rules.map(ruleWindowMs)) + run.canaryTimeoutMs;
  // which faults had customer impact: the same for every rule set
  const impacted = new Map<string, boolean>();
  for (const [ri, run] of runs.entries()) {
    const base = reviewAlarms(run.history, run.faults, [], { graceMs: grace(run.ownRules, run), spec: reviewSpec(run.ownRules), minErrors });
    for (const f of base.faults)
      impacted.set(
        `${ri}\u0000${f.id}`,
        f.impact.some((s) => s.errors >= minErrors),
      );
  }
  const nImpact = [...impacted.values()].filter(Boolean).length;
  const out = sets.map((set): RuleSetReplay => {
    const per = new Map(set.rules.map((r) => [r.name, { pages: 0, noFault: 0, detected: new Set<string>(), detectMs: [] as number[] }]));
    const total = { pages: 0, noFault: 0, detectMs: [] as number[] };
    const faults: FaultDetection[] = [];
    for (const [ri, run] of runs.entries()) {
      const changes = replayRules(run.history, set.rules, o.stepMs);
      const r = reviewAlarms(run.history, run.faults, changes, { graceMs: grace(set.rules, run), spec: reviewSpec(set.rules), minErrors });
      const ruleOf = new Map(changes.map((c) => [c.alarm, c.rule ?? c.alarm.split(' ')[0] ?? c.alarm]));
      for (const c of r.changes) {
        if (c.to !== 'ALARM') continue;
        const f = per.get(ruleOf.get(c.alarm) ?? '');
        total.pages++;
        if (f) f.pages++;
        if (c.fault === null) {
          total.noFault++;
          if (f) f.noFault++;
        }
      }
      for (const f of r.faults) {
        const key = `${ri}\u0000${f.id}`;
        const impact = impacted.get(key) ?? false;
        const detected = f.outcome === 'alarm' || f.outcome === 'already-in-alarm' || f.outcome === 'overtaken';
        const by =
          f.outcome === 'overtaken'
            ? (r.faults.find((x) => x.id === f.overtakenBy)?.raised ?? [])
            : f.outcome === 'already-in-alarm'
              ? f.alreadyInAlarm
              : f.raised;
        for (const alarm of by) {
          const pr = per.get(ruleOf.get(alarm) ?? alarm.split(' ')[0] ?? '');
          if (pr && impact) pr.detected.add(key);
        }
        for (const [name, pr] of per) {
          const first = r.changes.find((c) => c.to === 'ALARM' && c.fault === f.id && ruleOf.get(c.alarm) === name);
          if (first && impact) pr.detectMs.push(first.time - f.injectedAtMs);
        }
        if (impact && f.alarmAfterMs !== null) total.detectMs.push(f.alarmAfterMs);
        faults.push({
          run: run.name,
          id: f.id,
          kind: f.kind,
          nodes: f.nodes,
          impact,
          outcome: f.outcome,
          detected,
          detectMs: f.alarmAfterMs,
          clearedAfterHealMs: f.clearedAfterHealMs,
          alarm: f.firstAlarm,
        });
      }
    }
    const rules = [...per].map(
      ([rule, f]): RuleFigures => ({
        rule,
        pages: f.pages,
        pagesWithoutFault: f.noFault,
        precision: ratio(f.pages - f.noFault, f.pages),
        recall: ratio(f.detected.size, nImpact),
        detected: f.detected.size,
        medianDetectMs: median(f.detectMs),
      }),
    );
    const detected = faults.filter((f) => f.impact && f.detected).length;
    return {
      name: set.name,
      rules,
      faults,
      total: {
        rule: '(all rules)',
        pages: total.pages,
        pagesWithoutFault: total.noFault,
        precision: ratio(total.pages - total.noFault, total.pages),
        recall: ratio(detected, nImpact),
        detected,
        medianDetectMs: median(total.detectMs),
      },
    };
  });
  return {
    runs: runs.map((r) => r.name),
    faults: impacted.size,
    faultsWithImpact: nImpact,
    sets: out,
    operations: runs.reduce((s, r) => s + r.history.length, 0),
    elapsedMs: Math.round(performance.now() - t0),
  };
}
