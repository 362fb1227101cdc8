import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

interface Panel {
  title: string;
  type: string;
  targets?: { expr: string }[];
  gridPos: { h: number; w: number; x: number; y: number };
}
const dash = JSON.parse(readFileSync(new URL('./grafana/gameday-canaries.json', import.meta.url), 'utf8')) as {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string }[] };
};
const exprs = (p: Panel | undefined): string => (p?.targets ?? []).map((t) => t.expr).join('\n');
const panel = (re: RegExp): Panel | undefined => dash.panels.find((p) => re.test(p.title));

test('the Grafana dashboard parses and every panel queries the canary, alarm, phase or fault metrics', () => {
  assert.equal(dash.uid, 'gameday-canaries');
  assert.ok(dash.panels.length >= 4);
  const ids = new Set<string>();
  for (const p of dash.panels) {
    assert.ok(p.targets && p.targets.length > 0, `${p.title} has queries`);
    assert.match(
      exprs(p),
      /gameday_canary_requests_total|gameday_canary_latency_seconds_bucket|gameday_alarm_state|gameday_phase|gameday_fault_active/,
      p.title,
    );
    assert.ok(p.gridPos.x + p.gridPos.w <= 24, `${p.title} fits the grid`);
    ids.add(p.title);
  }
  assert.equal(ids.size, dash.panels.length, 'titles are unique');
  assert.deepEqual(
    dash.templating.list.map((v) => v.name),
    ['datasource', 'az', 'endpoint', 'alarm'],
  );
});

test('the four views: availability per AZ, error rate per endpoint, p99 latency, alarm state', () => {
  assert.match(exprs(panel(/^Availability per AZ/)), /sum by \(az\) \(rate\(gameday_canary_requests_total\{[^}]*outcome=~"ok\|rejected"/);
  assert.match(exprs(panel(/^Error rate per endpoint/)), /sum by \(endpoint\) \(rate\(gameday_canary_requests_total\{[^}]*outcome=~"fail\|info"/);
  assert.match(exprs(panel(/^Latency p99/)), /histogram_quantile\(0\.99, sum by \(le, endpoint\) \(rate\(gameday_canary_latency_seconds_bucket/);
  const alarm = panel(/^Alarm state/);
  assert.equal(alarm?.type, 'state-timeline');
  assert.match(exprs(alarm), /max by \(alarm\) \(gameday_alarm_state/);
});
