// A rule set's live alarms: one evaluator per rule (one file per kind), fed the same
// completions and evaluated at the same times. The live run, `gameday review` and
// its replay of other rule sets all go through here.

import type { Op } from '../history/op.ts';
import { AbsentAlarms } from './absent.ts';
import { AzOutlierAlarms } from './az-outlier.ts';
import { BurnRateAlarms } from './burn-rate.ts';
import { ErrorRateAlarms } from './error-rate.ts';
import { LatencyAlarms } from './latency.ts';
import { type AlarmRule, ruleWindowMs, scaled } from './rules.ts';
import { type AlarmChange, type AlarmState, counted, type RuleAlarms } from './scoped.ts';

export function alarmsOf(rule: AlarmRule): RuleAlarms {
  switch (rule.kind) {
    case 'error-rate':
      return new ErrorRateAlarms(rule);
    case 'latency':
      return new LatencyAlarms(rule);
    case 'burn-rate':
      return new BurnRateAlarms(rule);
    case 'az-outlier':
      return new AzOutlierAlarms(rule);
    case 'absent':
      return new AbsentAlarms(rule);
  }
}

export class AlarmSet {
  readonly rules: readonly RuleAlarms[];
  constructor(rules: readonly AlarmRule[]) {
    this.rules = rules.map(alarmsOf);
  }
  declare(az: string, endpoint: string): void {
    for (const r of this.rules) r.declare(az, endpoint);
  }
  add(op: Op): void {
    for (const r of this.rules) r.add(op);
  }
  evaluate(now: number): AlarmChange[] {
    return this.rules.flatMap((r) => r.evaluate(now));
  }
  /** Every alarm's state, with its rule's name. */
  states(): { rule: string; alarm: string; state: AlarmState }[] {
    return this.rules.flatMap((r) => r.states().map((s) => ({ rule: r.rule.name, ...s })));
  }
}

/** The longest look-back of a rule, ms (how long after the last completion a replay keeps evaluating). */
const lookBackMs = (r: AlarmRule): number => (r.kind === 'burn-rate' ? Math.max(...scaled(r).map((w) => w.longMs)) : ruleWindowMs(r));

/** Replays a whole history through a rule set, evaluating every `stepMs` (as the live run does). */
export function replayRules(history: readonly Op[], rules: readonly AlarmRule[], stepMs = 250): AlarmChange[] {
  const alarms = new AlarmSet(rules);
  const comps = history.filter(counted).sort((a, b) => a.time - b.time);
  for (const o of comps) alarms.declare(o.az as string, o.endpoint as string);
  const tail = Math.max(0, ...rules.map(lookBackMs));
  const end = comps.length ? (comps[comps.length - 1] as Op).time + tail + stepMs : 0;
  const out: AlarmChange[] = [];
  let i = 0;
  for (let t = stepMs; t <= end; t += stepMs) {
    while (i < comps.length && (comps[i] as Op).time <= t) alarms.add(comps[i++] as Op);
    out.push(...alarms.evaluate(t));
  }
  return out;
}
