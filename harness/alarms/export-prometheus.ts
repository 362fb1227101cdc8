// `gameday alarms export`: an experiment's alarm rules as Prometheus alerting rules over
// the metrics `gameday run --metrics` serves (harness/metrics/run-metrics.ts), so that
// the rules tried in a game day can be deployed as they are. One function per rule
// kind turns a rule into PromQL; each alert carries the label `alarm` with the name
// gameday gives the same alarm ("error-rate az=az1"), so Prometheus's alerts and the
// run's alarms.ndjson can be laid side by side.

import { stringify } from 'yaml';
import type { AlarmSpec, Experiment } from '../experiment/schema.ts';
import { ERROR_OUTCOMES, METRIC } from '../metrics/run-metrics.ts';

/** One rule of a Prometheus rules file (`groups[].rules[]`). */
export interface AlertingRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface ExportOptions {
  /** How long a condition must hold before the alert fires (default 0: at once, as gameday's alarms do). */
  readonly forMs?: number;
  /** `severity` label of every alert (default "page": customer-facing). */
  readonly severity?: string;
}

/** A rule of the experiment, tagged by kind (today one error-rate rule: the `alarms:` block). */
export type AlarmRule = { readonly kind: 'error-rate'; readonly spec: AlarmSpec };

/** The scopes gameday evaluates a rule over: one alarm per AZ (of the canaries) and one per public endpoint. */
const SCOPES = [
  { label: 'az', suffix: 'ByAZ', what: 'the canaries in AZ' },
  { label: 'endpoint', suffix: 'ByEndpoint', what: 'the canaries calling endpoint' },
] as const;
type Scope = (typeof SCOPES)[number];

/** Rule kind → its alerting rules. Another kind is one more entry. */
const EXPORTERS: { readonly [K in AlarmRule['kind']]: (rule: Extract<AlarmRule, { kind: K }>, o: ExportOptions) => AlertingRule[] } = {
  'error-rate': (rule, o) => SCOPES.map((s) => errorRateRule(rule.spec, s, o)),
};

export function rulesOf(exp: Experiment): AlarmRule[] {
  return [{ kind: 'error-rate', spec: exp.alarms }];
}

export function alertingRules(exp: Experiment, o: ExportOptions = {}): AlertingRule[] {
  return rulesOf(exp).flatMap((r) => EXPORTERS[r.kind](r, o));
}

/** The rules file (YAML) that `promtool check rules` and Prometheus's `rule_files` read. */
export function exportPrometheusRules(exp: Experiment, source: string, o: ExportOptions = {}): string {
  const header = `# Prometheus alerting rules written by \`gameday alarms export ${source}\`\n# over the metrics \`gameday run --metrics\` serves (README "Prometheus").\n`;
  return header + stringify({ groups: [{ name: `gameday: ${exp.title}`, rules: alertingRules(exp, o) }] }, { lineWidth: 0 });
}

const seconds = (ms: number): string => `${Math.round(ms) % 1000 === 0 ? `${Math.round(ms) / 1000}s` : `${Math.round(ms)}ms`}`;
const pct = (x: number): string => `${Math.round(x * 10000) / 100}%`;

/**
 * Error rate over the window per scope, as ErrorRateAlarms computes it: calls that
 * failed or whose outcome is unknown over all calls completed in the window, with at
 * least min-requests of them. Raised at error-rate; it stays raised (hysteresis, through
 * the alert's own ALERTS series) while the rate is at or above clear-rate, and clears
 * below it or when no call completed.
 */
function errorRateRule(spec: AlarmSpec, s: Scope, o: ExportOptions): AlertingRule {
  const alert = `GamedayErrorRate${s.suffix}`;
  const w = seconds(spec.windowMs);
  const by = `sum by (${s.label})`;
  const errors = `${by} (increase(${METRIC.requests}{outcome=~"${ERROR_OUTCOMES.join('|')}"}[${w}]))`;
  const total = `${by} (increase(${METRIC.requests}[${w}]))`;
  const rate = `${errors}\n  /\n  ${total}`;
  const raise = `(\n  ${rate}\n  >= ${spec.errorRate}\n)\nand\n(\n  ${total} >= ${spec.minRequests}\n)`;
  const hold = `(\n  ${rate}\n  >= ${spec.clearRate}\n)\nand on (${s.label})\nALERTS{alertname="${alert}", alertstate="firing"}`;
  const expr = `label_replace(\n(\n${raise}\n)\nor\n(\n${hold}\n),\n"alarm", "error-rate ${s.label}=$1", "${s.label}", "(.*)")\n`;
  return {
    alert,
    expr,
    for: seconds(o.forMs ?? 0),
    labels: { severity: o.severity ?? 'page', rule: 'error-rate', scope: s.label },
    annotations: {
      summary: `{{ $labels.alarm }}: {{ $value | humanizePercentage }} of the calls of ${s.what} {{ $labels.${s.label} }} failed in the last ${w}`,
      description: `Customer-facing error rate (outcome fail or info) over ${w}: raised at ${pct(spec.errorRate)} with at least ${spec.minRequests} calls, cleared below ${pct(spec.clearRate)}. The same rule gameday evaluates during a game day.`,
    },
  };
}
