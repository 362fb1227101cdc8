// A tiny run folder built by hand for the dashboards' and the CLI's tests: one
// canary (az1 → az1-router-1) at 10 ops/s, errors in chosen windows, faults and
// alarms as given. Alarm rules: 1 s window, ALARM at 50 %, OK below 25 %, 3 requests.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AlarmChange } from '../harness/alarms/error-rate.ts';

export interface FixtureFault {
  readonly id: string;
  readonly node: string;
  readonly injectAt: number;
  readonly healAt: number | null;
}

export interface Fixture {
  readonly title?: string;
  readonly verdict?: 'pass' | 'fail' | 'unknown';
  readonly endMs?: number;
  /** [from, to) windows in which every canary request fails. */
  readonly errorWindows?: readonly (readonly [number, number])[];
  /** Single failed requests at these times. */
  readonly errorsAt?: readonly number[];
  readonly faults?: readonly FixtureFault[];
  readonly alarms?: readonly AlarmChange[];
  readonly lost?: readonly string[];
  /** A linearizable check that failed with this witness (result.json's shape). */
  readonly witness?: object;
  /** result.json figures.k6, and k6-summary.json's root group. */
  readonly k6?: { readonly figures: object; readonly rootGroup?: object };
}

export const SPEC = { windowMs: 1000, errorRate: 0.5, clearRate: 0.25, minRequests: 3 };

export const alarmChange = (time: number, to: 'OK' | 'ALARM', alarm = 'error-rate az=az1'): AlarmChange => ({
  alarm,
  scope: { az: 'az1' },
  time,
  from: to === 'OK' ? 'ALARM' : 'OK',
  to,
  errorRate: to === 'OK' ? 0 : 1,
  requests: 10,
  reason: to === 'OK' ? 'error rate 0%' : '10 of 10 requests failed',
});

const nd = (xs: readonly object[]): string => xs.map((x) => JSON.stringify(x)).join('\n') + (xs.length ? '\n' : '');

export function writeRunFolder(dir: string, fx: Fixture): string {
  mkdirSync(dir, { recursive: true });
  const end = fx.endMs ?? 10_000;
  const ops: object[] = [];
  const failing = (t: number): boolean => (fx.errorWindows ?? []).some(([a, b]) => t >= a && t < b) || (fx.errorsAt ?? []).includes(t);
  for (let t = 100, i = 0; t < end; t += 100, i++) {
    const base = { process: 0, f: 'write', key: `k${i}`, value: `v${i}`, az: 'az1', endpoint: 'az1-router-1' };
    ops.push({ ...base, type: 'invoke', time: t - 5 });
    ops.push(failing(t) ? { ...base, type: 'fail', time: t, latencyMs: 5, error: 'ECONNREFUSED' } : { ...base, type: 'ok', time: t, latencyMs: 5 });
  }
  writeFileSync(join(dir, 'history.ndjson'), nd(ops.map((o, index) => ({ index, ...o }))));
  const faults = (fx.faults ?? []).flatMap((f) => [
    { time: f.injectAt, event: 'inject', id: f.id, kind: 'power-off', nodes: [f.node], tookMs: 3 },
    ...(f.healAt === null ? [] : [{ time: f.healAt, event: 'heal', id: f.id, kind: 'power-off', nodes: [f.node], tookMs: 3, reason: 'scheduled' }]),
  ]);
  writeFileSync(join(dir, 'faults.ndjson'), nd(faults));
  writeFileSync(join(dir, 'alarms.ndjson'), nd(fx.alarms ?? []));
  const title = fx.title ?? 'fixture game day';
  const experiment = {
    title,
    description: '',
    target: { name: 'reference', bugs: [] },
    provider: 'local',
    phases: { baselineMs: 2000, chaosMs: 6000, recoveryMs: 2000 },
    canaries: { rate: 10, keys: 10, timeoutMs: 500, mix: { put: 1, get: 0, cas: 0, delete: 0, eventualGet: 0, insert: 0 } },
    faults: [],
    alarms: SPEC,
    steadyStateAvailability: 0.99,
  };
  writeFileSync(join(dir, 'experiment.json'), JSON.stringify({ file: 'experiments/fixture.yaml', seed: 42, experiment }, null, 2));
  const lost = (fx.lost ?? []).map((key) => ({
    key,
    finalValue: null,
    staleSource: 'initial',
    lostWrites: [{ invokeIndex: 0, process: 0, f: 'write', value: 'v0', type: 'ok', start: 95, end: 100 }],
  }));
  const lostAcknowledged = (fx.lost ?? []).map((key, i) => ({
    key,
    f: 'write',
    value: `v${i}`,
    process: 0,
    invokedAtMs: 95 + i,
    acknowledgedAtMs: 100 + i,
    finalValue: null,
  }));
  const checks: object[] = [
    {
      name: 'lost-writes',
      verdict: lost.length ? 'fail' : 'pass',
      summary: lost.length ? `${lost.length} key(s) lost acknowledged writes` : 'no lost writes',
      lost,
      ...(lost.length ? { lostAcknowledged, lostAcknowledgedCount: lostAcknowledged.length } : {}),
    },
  ];
  if (fx.witness) checks.push({ name: 'linearizable', verdict: 'fail', summary: 'not linearizable', witness: fx.witness });
  if (fx.k6?.rootGroup) writeFileSync(join(dir, 'k6-summary.json'), JSON.stringify({ metrics: {}, root_group: fx.k6.rootGroup }));
  const result = {
    gameday: '0.0.0-test',
    verdict: fx.verdict ?? (lost.length || fx.witness ? 'fail' : 'pass'),
    seed: 42,
    runId: 'fixture-s42',
    runDir: dir,
    experiment: { title, file: 'experiments/fixture.yaml' },
    provider: 'local',
    target: { name: 'reference', bugs: [] },
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:10.000Z',
    interrupted: false,
    checks,
    phases: [
      { name: 'baseline', startMs: 0, endMs: 2000 },
      { name: 'chaos', startMs: 2000, endMs: 8000 },
      { name: 'recovery', startMs: 8000, endMs: end },
    ],
    faults: [],
    alarms: { changes: fx.alarms ?? [], raised: 0, cleared: 0, stillInAlarm: [] },
    figures: { operations: ops.length / 2, opsPerSec: 10, latencyMs: { p50: 5, p99: 5, max: 5 }, ...(fx.k6 ? { k6: fx.k6.figures } : {}) },
    files: {},
  };
  writeFileSync(join(dir, 'result.json'), JSON.stringify(result, null, 2));
  return dir;
}
