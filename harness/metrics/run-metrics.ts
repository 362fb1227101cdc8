// The canary fleet's metrics for Prometheus (prom-client), one registry per run (never
// prom-client's global one, so two runs in one process never mix). Fed by the run:
// every completed canary call, every alarm change, every phase, every fault injected
// and healed. The names below are the ones dashboards/grafana queries and the rules of
// `gameday alarms export` are written over.

import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Op, OpF } from '../history/op.ts';
import { PRECONDITION_FAILED } from '../history/op.ts';

export const METRIC = {
  requests: 'gameday_canary_requests_total',
  latency: 'gameday_canary_latency_seconds',
  alarmState: 'gameday_alarm_state',
  phase: 'gameday_phase',
  faultActive: 'gameday_fault_active',
} as const;

/**
 * How a call ended, as a label: `ok`, `rejected` (a compare-and-set that found another
 * value: served, not an error), `fail` (definitely not done), `info` (unknown). The
 * error-rate rule counts `fail` and `info` as errors, as the canaries' alarms do.
 */
export const OUTCOMES = ['ok', 'rejected', 'fail', 'info'] as const;
export type Outcome = (typeof OUTCOMES)[number];
export const ERROR_OUTCOMES: readonly Outcome[] = ['fail', 'info'];

const OPS: readonly OpF[] = ['read', 'write', 'cas', 'delete'];

/** Latency buckets, seconds: from 1 ms to past the longest canary timeout. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function outcomeOf(op: Pick<Op, 'type' | 'error'>): Outcome | undefined {
  if (op.type === 'invoke') return undefined;
  if (op.type === 'fail' && op.error === PRECONDITION_FAILED) return 'rejected';
  return op.type;
}

export class RunMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'az' | 'endpoint' | 'op' | 'outcome'>;
  private readonly latency: Histogram<'az' | 'endpoint' | 'op'>;
  private readonly alarmState: Gauge<'alarm'>;
  private readonly phaseGauge: Gauge<'phase'>;
  private readonly faultActive: Gauge<'id' | 'kind'>;
  private currentPhase: string | undefined;

  constructor() {
    const registers = [this.registry];
    this.requests = new Counter({
      name: METRIC.requests,
      help: 'Canary calls completed, by the AZ the canary runs in, the public endpoint it called, the operation and how it ended (ok, rejected, fail, info).',
      labelNames: ['az', 'endpoint', 'op', 'outcome'],
      registers,
    });
    this.latency = new Histogram({
      name: METRIC.latency,
      help: 'Canary call latency in seconds, timed from the scheduled start (no coordinated omission).',
      labelNames: ['az', 'endpoint', 'op'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.alarmState = new Gauge({ name: METRIC.alarmState, help: 'Alarm state as gameday evaluates it: 1 in ALARM, 0 OK.', labelNames: ['alarm'], registers });
    this.phaseGauge = new Gauge({
      name: METRIC.phase,
      help: 'The phase of the game day: 1 for the current one, 0 for the others seen.',
      labelNames: ['phase'],
      registers,
    });
    this.faultActive = new Gauge({
      name: METRIC.faultActive,
      help: 'Faults of the plan: 1 while injected, 0 once healed.',
      labelNames: ['id', 'kind'],
      registers,
    });
  }

  /**
   * Every series of one canary at zero before its first call, so that the first error
   * is an increase Prometheus sees (a counter born at 1 hides it from rate()).
   */
  declareCanary(az: string, endpoint: string): void {
    for (const op of OPS) {
      for (const outcome of OUTCOMES) this.requests.inc({ az, endpoint, op, outcome }, 0);
      this.latency.zero({ az, endpoint, op });
    }
  }

  declareAlarm(alarm: string): void {
    this.alarmState.set({ alarm }, 0);
  }

  /** One history entry: completions of the canaries count (invokes and final reads do not). */
  op(op: Op): void {
    const outcome = outcomeOf(op);
    if (outcome === undefined || op.final || !op.az || !op.endpoint) return;
    this.requests.inc({ az: op.az, endpoint: op.endpoint, op: op.f, outcome });
    if (op.latencyMs !== undefined) this.latency.observe({ az: op.az, endpoint: op.endpoint, op: op.f }, op.latencyMs / 1000);
  }

  alarm(alarm: string, state: 'OK' | 'ALARM'): void {
    this.alarmState.set({ alarm }, state === 'ALARM' ? 1 : 0);
  }

  phase(name: string): void {
    if (this.currentPhase !== undefined) this.phaseGauge.set({ phase: this.currentPhase }, 0);
    this.phaseGauge.set({ phase: name }, 1);
    this.currentPhase = name;
  }

  fault(id: string, kind: string, active: boolean): void {
    this.faultActive.set({ id, kind }, active ? 1 : 0);
  }

  /** The exposition text (what GET /metrics answers). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** Names of the metric families, as Prometheus stores them (histograms as _bucket, _sum, _count). */
  async seriesNames(): Promise<string[]> {
    const out: string[] = [];
    for (const m of await this.registry.getMetricsAsJSON()) {
      // the typings say an enum; at run time the type is its name
      if (String(m.type) === 'histogram') out.push(`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`);
      else out.push(m.name);
    }
    return out;
  }
}
