// `gameday alarms export`: an experiment's alarm rules as Prometheus alerting rules over
// the metrics `gameday run --metrics` serves (harness/metrics/run-metrics.ts), so that
// the rules tried in a game day can be deployed as they are. One function per rule
// kind turns a rule into PromQL; each alert carries the label `alarm` with the name
// gameday gives the same alarm ("error-rate az=az1"), so Prometheus's alerts and the
// run's alarms.ndjson can be laid side by side.

import { stringify } from 'yaml';
import type { Experiment } from '../experiment/schema.ts';
import type { AlarmPer, AlarmRule as Rule, ErrorRateRule } from './rules.ts';
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

/** The scopes gameday evaluates a rule over: one alarm per AZ (of the canaries), per public endpoint, or per pair. */
const SCOPES: Readonly<Record<AlarmPer, { readonly labels: readonly string[]; readonly suffix: string; readonly what: string }>> = {
  az: { labels: ['az'], suffix: 'ByAZ', what: 'the canaries in AZ' },
  endpoint: { labels: ['endpoint'], suffix: 'ByEndpoint', what: 'the canaries calling endpoint' },
  'az-endpoint': { labels: ['az', 'endpoint'], suffix: 'ByAZEndpoint', what: 'the canaries of' },
};
type Scope = (typeof SCOPES)[AlarmPer];

/** Rule kind → its alerting rules; a kind not here yet is left out of the file, and said (rulesLeftOut). */
const EXPORTERS: { readonly [K in Rule['kind']]?: (rule: Extract<Rule, { kind: K }>, o: ExportOptions) => AlertingRule[] } = {
  'error-rate': (rule, o) => rule.per.map((per) => errorRateRule(rule, SCOPES[per], o)),
};

/** The experiment's rules (the `alarms:` block: one error-rate rule, or `rules:`). */
export const rulesOf = (exp: Experiment): readonly Rule[] => exp.alarmRules;

/** Rules whose kind has no Prometheus form here yet: named in the file's header and by the command. */
export const rulesLeftOut = (exp: Experiment): readonly Rule[] => rulesOf(exp).filter((r) => EXPORTERS[r.kind] === undefined);

export function alertingRules(exp: Experiment, o: ExportOptions = {}): AlertingRule[] {
  return rulesOf(exp).flatMap((r) => (EXPORTERS[r.kind] as ((rule: Rule, o: ExportOptions) => AlertingRule[]) | undefined)?.(r, o) ?? []);
}

/** The rules file (YAML) that `promtool check rules` and Prometheus's `rule_files` read. */
export function exportPrometheusRules(exp: Experiment, source: string, o: ExportOptions = {}): string {
  const left = rulesLeftOut(exp);
  const header = `# Prometheus alerting rules written by \`gameday alarms export ${source}\`\n# over the metrics \`gameday run --metrics\` serves (README "Prometheus").\n${left.length > 0 ? `# Left out (no Prometheus form for their kind yet): ${left.map((r) => `${r.name} (${r.kind})`).join(', ')}\n` : ''}`;
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
function errorRateRule(spec: ErrorRateRule, s: Scope, o: ExportOptions): AlertingRule {
  const named = spec.name === 'error-rate' ? '' : spec.name.replace(/(^|[^a-zA-Z0-9]+)([a-zA-Z0-9])/g, (_, __, c: string) => c.toUpperCase());
  const alert = `GamedayErrorRate${named}${s.suffix}`;
  const w = seconds(spec.windowMs);
  const label = s.labels.join(', ');
  const by = `sum by (${label})`;
  const errors = `${by} (increase(${METRIC.requests}{outcome=~"${ERROR_OUTCOMES.join('|')}"}[${w}]))`;
  const total = `${by} (increase(${METRIC.requests}[${w}]))`;
  const rate = `${errors}\n  /\n  ${total}`;
  const raise = `(\n  ${rate}\n  >= ${spec.errorRate}\n)\nand\n(\n  ${total} >= ${spec.minRequests}\n)`;
  const hold = `(\n  ${rate}\n  >= ${spec.clearRate}\n)\nand on (${label})\nALERTS{alertname="${alert}", alertstate="firing"}`;
  // the alarm label is gameday's name of the same alarm: "<rule> az=az1", "<rule> endpoint=x", "<rule> az=az1 endpoint=x"
  const cond = `(\n${raise}\n)\nor\n(\n${hold}\n)`;
  const expr =
    s.labels.length === 1
      ? `label_replace(\n${cond},\n"alarm", "${spec.name} ${s.labels[0]}=$1", "${s.labels[0]}", "(.*)")\n`
      : `label_replace(\nlabel_join(\n${cond},\n"gd_scope", " endpoint=", "az", "endpoint"),\n"alarm", "${spec.name} az=$1", "gd_scope", "(.*)")\n`;
  return {
    alert,
    expr,
    for: seconds(o.forMs ?? 0),
    labels: { severity: o.severity ?? 'page', rule: spec.name, scope: s.labels.join('-') },
    annotations: {
      summary: `{{ $labels.alarm }}: {{ $value | humanizePercentage }} of the calls of ${s.what} ${s.labels.map((l) => `{{ $labels.${l} }}`).join(' → ')} failed in the last ${w}`,
      description: `Customer-facing error rate (outcome fail or info) over ${w}: raised at ${pct(spec.errorRate)} with at least ${spec.minRequests} calls, cleared below ${pct(spec.clearRate)}. The same rule gameday evaluates during a game day.`,
    },
  };
}
