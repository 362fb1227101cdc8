// The alarm rules, as data: one union of readonly values, one member a rule kind
// (each evaluated by its own file beside this one). The experiment schema
// (harness/experiment/alarm-rules.ts) turns the file's `alarms:` into these, and
// anything that reads rules (the live run, `gameday review --alarms`, exporters)
// imports them from here only.

import { formatMs } from '../experiment/duration.ts';

/** What one alarm of a rule watches: every AZ, every public endpoint, or every AZ x endpoint pair. */
export type AlarmPer = 'az' | 'endpoint' | 'az-endpoint';

interface RuleBase {
  /** Unique in a rule set; alarm names are `<name> <scope>` ("error-rate az=az1"). */
  readonly name: string;
  readonly per: readonly AlarmPer[];
}

/** ALARM when the window's error rate reaches `errorRate` (with `minRequests`), OK below `clearRate`. */
export interface ErrorRateRule extends RuleBase {
  readonly kind: 'error-rate';
  readonly windowMs: number;
  readonly errorRate: number;
  readonly clearRate: number;
  readonly minRequests: number;
}

/** ALARM when the `percentile` of completed calls' latency over the window is above `thresholdMs`. */
export interface LatencyRule extends RuleBase {
  readonly kind: 'latency';
  readonly windowMs: number;
  /** 50..100, e.g. 99 */
  readonly percentile: number;
  readonly thresholdMs: number;
  readonly minRequests: number;
}

/** One long/short window pair of a multiwindow, multi-burn-rate alert (windows as written, before the time scale). */
export interface BurnWindow {
  readonly longMs: number;
  readonly shortMs: number;
  /** Burn-rate factor: error rate / (1 - slo) must reach it over both windows. */
  readonly factor: number;
}

/**
 * The SRE workbook's multiwindow, multi-burn-rate alert on an availability SLO:
 * ALARM while, for some pair, the burn rate over the long window and over the short
 * one are both at or above the pair's factor. Windows are multiplied by `timeScale`.
 */
export interface BurnRateRule extends RuleBase {
  readonly kind: 'burn-rate';
  /** e.g. 0.999 */
  readonly slo: number;
  readonly windows: readonly BurnWindow[];
  /** Factor applied to every window (1/720 makes 1 h last 5 s). */
  readonly timeScale: number;
  readonly minRequests: number;
}

/** One AZ far worse than the others: above `floor` and more than `factor` x the median of the other AZs. */
export interface AzOutlierRule extends RuleBase {
  readonly kind: 'az-outlier';
  readonly signal: 'error-rate' | 'latency';
  readonly windowMs: number;
  readonly factor: number;
  /** error rate (fraction) or latency (ms) the AZ must reach too */
  readonly floor: number;
  /** latency signal: the percentile compared */
  readonly percentile: number;
  readonly minRequests: number;
}

/** A scope's canaries stopped reporting: no completed call in the window (judged once the scope has reported). */
export interface AbsentRule extends RuleBase {
  readonly kind: 'absent';
  readonly windowMs: number;
}

export type AlarmRule = ErrorRateRule | LatencyRule | BurnRateRule | AzOutlierRule | AbsentRule;
export type AlarmRuleKind = AlarmRule['kind'];
export const RULE_KINDS: readonly AlarmRuleKind[] = ['error-rate', 'latency', 'burn-rate', 'az-outlier', 'absent'];

/** `stop-when`: end chaos once rule `alarm` has had an alarm in ALARM for `forMs`. */
export interface StopCondition {
  readonly alarm: string;
  readonly forMs: number;
}

/** The default per-scope of a rule: per AZ and per endpoint, as the first alarms were. */
export const DEFAULT_PER: readonly AlarmPer[] = ['az', 'endpoint'];

/** The scaled windows of a burn-rate rule, ms. */
export const scaled = (r: BurnRateRule): { longMs: number; shortMs: number; factor: number }[] =>
  r.windows.map((w) => ({ longMs: w.longMs * r.timeScale, shortMs: w.shortMs * r.timeScale, factor: w.factor }));

/** The shortest window a rule judges on (what "one alarm window" means to the review). */
export function ruleWindowMs(r: AlarmRule): number {
  if (r.kind === 'burn-rate') return Math.min(...scaled(r).map((w) => w.longMs));
  return r.windowMs;
}

/** The error rate at which a rule raises an alarm (Infinity: the rule does not judge error rates). */
export function ruleErrorRate(r: AlarmRule): number {
  if (r.kind === 'error-rate') return r.errorRate;
  if (r.kind === 'burn-rate') return Math.min(...r.windows.map((w) => w.factor)) * (1 - r.slo);
  if (r.kind === 'az-outlier' && r.signal === 'error-rate') return r.floor;
  return Infinity;
}

/**
 * What the attribution review needs of a rule set (harness/alarms/review.ts): one
 * alarm window, the error rate that must raise an alarm, min-requests. The first
 * error-rate rule when there is one (today's semantics), else the most sensitive.
 */
export function reviewSpec(rules: readonly AlarmRule[]): { windowMs: number; errorRate: number; clearRate: number; minRequests: number } {
  const er = rules.find((r): r is ErrorRateRule => r.kind === 'error-rate');
  if (er) return { windowMs: er.windowMs, errorRate: er.errorRate, clearRate: er.clearRate, minRequests: er.minRequests };
  const windowMs = rules.length ? Math.min(...rules.map(ruleWindowMs)) : 3000;
  const errorRate = Math.min(1, ...rules.map(ruleErrorRate));
  const minRequests = Math.min(5, ...rules.map((r) => ('minRequests' in r ? r.minRequests : 5)));
  return { windowMs, errorRate, clearRate: errorRate / 2, minRequests };
}

/** A rule in one line, as the summary and `gameday review` state it. */
export function describeRule(r: AlarmRule): string {
  const s = (ms: number): string => (ms >= 1000 ? `${+(ms / 1000).toFixed(2)}s` : `${+ms.toFixed(0)}ms`);
  const per = `per ${r.per.join(', ')}`;
  const pct = (x: number): string => `${+(x * 100).toFixed(3)}%`;
  switch (r.kind) {
    case 'error-rate':
      return `${r.name}: error rate over ${s(r.windowMs)} >= ${pct(r.errorRate)} (clear < ${pct(r.clearRate)}), ${per}`;
    case 'latency':
      return `${r.name}: p${r.percentile} latency over ${s(r.windowMs)} > ${r.thresholdMs}ms, ${per}`;
    case 'burn-rate': {
      const pairs = scaled(r).map(
        (w, i) =>
          `${w.factor}x over ${formatMs((r.windows[i] as BurnWindow).longMs)}/${formatMs((r.windows[i] as BurnWindow).shortMs)} (run as ${s(w.longMs)}/${s(w.shortMs)})`,
      );
      return `${r.name}: burn rate on SLO ${pct(r.slo)}, ${pairs.join(' or ')}, time scale ${+r.timeScale.toPrecision(4)}, ${per}`;
    }
    case 'az-outlier':
      return `${r.name}: one AZ's ${r.signal === 'latency' ? `p${r.percentile} latency` : 'error rate'} over ${s(r.windowMs)} > ${r.factor}x the median of the others and >= ${r.signal === 'latency' ? `${r.floor}ms` : pct(r.floor)}`;
    case 'absent':
      return `${r.name}: no completed canary call in ${s(r.windowMs)}, ${per}`;
  }
}
