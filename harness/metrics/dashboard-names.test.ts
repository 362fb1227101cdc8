import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { Op } from '../history/op.ts';
import { OUTCOMES, RunMetrics } from './run-metrics.ts';

// Every name and label the Grafana dashboard queries exists in a run's registry, fed
// as a run feeds it (the live game day's names are checked against Prometheus itself
// in test/prometheus-run.test.ts).
const json = readFileSync(new URL('../../dashboards/grafana/gameday-canaries.json', import.meta.url), 'utf8');
const dash = JSON.parse(json) as { panels: { targets?: { expr: string }[] }[]; templating: { list: { query?: string | { query: string } }[] } };
const queries = [
  ...dash.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
  ...dash.templating.list.flatMap((v) => (typeof v.query === 'object' ? [v.query.query] : [])),
];

function fed(): RunMetrics {
  const m = new RunMetrics();
  m.phase('baseline');
  m.declareCanary('az1', 'az1-router-1');
  m.declareAlarm('error-rate az=az1');
  const op = (o: Partial<Op>): Op => ({
    index: 0,
    type: 'ok',
    f: 'read',
    value: null,
    process: 0,
    time: 1,
    az: 'az1',
    endpoint: 'az1-router-1',
    latencyMs: 3,
    ...o,
  });
  m.op(op({}));
  m.op(op({ type: 'fail', f: 'cas', error: 'precondition failed' }));
  m.op(op({ type: 'info', f: 'write', error: 'timeout', latencyMs: 2000 }));
  m.op(op({ type: 'invoke' }));
  m.op(op({ final: true }));
  m.phase('chaos');
  m.fault('f1', 'power-off', true);
  m.alarm('error-rate az=az1', 'ALARM');
  return m;
}

test('every metric the dashboard queries is in the registry of a run', async () => {
  const names = new Set(await fed().seriesNames());
  const queried = new Set(queries.flatMap((q) => q.match(/\bgameday_[a-z_]+/g) ?? []));
  assert.ok(queried.size >= 5, `the dashboard queries ${[...queried].join(', ')}`);
  for (const n of queried) assert.ok(names.has(n), `${n} is queried by the dashboard but no metric of that name is registered (${[...names].join(', ')})`);
  for (const n of ['gameday_canary_requests_total', 'gameday_canary_latency_seconds_bucket', 'gameday_alarm_state', 'gameday_phase', 'gameday_fault_active'])
    assert.ok(queried.has(n), `the dashboard shows ${n}`);
});

test('the labels and outcome values the dashboard selects on are the ones the registry writes', async () => {
  const text = await fed().text();
  for (const q of queries) {
    for (const [, label] of q.matchAll(/([a-z_]+)=~?"/g)) assert.match(text, new RegExp(`[{,]${label}="`), `label ${label} of ${q}`);
    for (const [, alts] of q.matchAll(/outcome=~"([^"]+)"/g))
      for (const v of (alts as string).split('|')) assert.ok((OUTCOMES as readonly string[]).includes(v), `outcome ${v}`);
    for (const [, by] of q.matchAll(/by \(([^)]+)\)/g))
      for (const l of (by as string).split(',').map((s) => s.trim())) assert.match(text, new RegExp(`[{,]${l}="`), `grouped by ${l} in ${q}`);
  }
});

test('calls count by AZ, endpoint, operation and outcome; invokes and final reads do not', async () => {
  const text = await fed().text();
  assert.match(text, /gameday_canary_requests_total\{az="az1",endpoint="az1-router-1",op="read",outcome="ok"\} 1\n/);
  assert.match(text, /gameday_canary_requests_total\{az="az1",endpoint="az1-router-1",op="cas",outcome="rejected"\} 1\n/);
  assert.match(text, /gameday_canary_requests_total\{az="az1",endpoint="az1-router-1",op="write",outcome="info"\} 1\n/);
  assert.match(text, /gameday_canary_requests_total\{az="az1",endpoint="az1-router-1",op="delete",outcome="fail"\} 0\n/, 'declared at zero');
  assert.match(text, /gameday_canary_latency_seconds_bucket\{le="2.5",az="az1",endpoint="az1-router-1",op="write"\} 1\n/);
  assert.match(text, /gameday_phase\{phase="baseline"\} 0\n/);
  assert.match(text, /gameday_phase\{phase="chaos"\} 1\n/);
  assert.match(text, /gameday_fault_active\{id="f1",kind="power-off"\} 1\n/);
  assert.match(text, /gameday_alarm_state\{alarm="error-rate az=az1"\} 1\n/);
});

test('each run has a registry of its own', async () => {
  const a = fed();
  const b = new RunMetrics();
  assert.doesNotMatch(await b.text(), /az1/);
  assert.match(await a.text(), /az1/);
});
