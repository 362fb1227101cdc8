import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { gameday } from '../../test/cli.ts';
import { loadExperiment } from '../experiment/load.ts';
import { alertingRules, rulesLeftOut } from './export-prometheus.ts';

const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
const noPromtool = promtool.error ? 'promtool is not installed (Debian: apt-get install -y prometheus; .ci/run installs it)' : false;

test('the error-rate rule becomes one alert per AZ and one per endpoint, with the thresholds of the experiment', () => {
  const rules = alertingRules(loadExperiment('test/fixtures/short-power-off.yaml'), { forMs: 1500 });
  assert.deepEqual(
    rules.map((r) => r.alert),
    ['GamedayErrorRateByAZ', 'GamedayErrorRateByEndpoint'],
  );
  const [az, ep] = rules as [(typeof rules)[0], (typeof rules)[0]];
  assert.equal(az.for, '1500ms');
  assert.deepEqual(az.labels, { severity: 'page', rule: 'error-rate', scope: 'az' });
  assert.match(az.expr, /sum by \(az\) \(increase\(gameday_canary_requests_total\{outcome=~"fail\|info"\}\[3s\]\)\)/);
  assert.match(az.expr, />= 0\.2\n/);
  assert.match(az.expr, /\[3s\]\)\) >= 5\n/);
  assert.match(az.expr, />= 0\.1\n\)\nand on \(az\)\nALERTS\{alertname="GamedayErrorRateByAZ", alertstate="firing"\}/);
  assert.match(az.expr, /"alarm", "error-rate az=\$1", "az"/);
  assert.match(ep.expr, /sum by \(endpoint\)/);
  assert.match(ep.annotations['summary'] ?? '', /\{\{ \$labels\.alarm \}\}/);
});

test('promtool check rules accepts the file gameday alarms export writes', { skip: noPromtool }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gameday-rules-'));
  try {
    const out = join(dir, 'rules.yml');
    const r = await gameday(['alarms', 'export', 'test/fixtures/short-power-off.yaml', '--out', out, '--for', '10s']);
    assert.equal(r.code, 0, r.stderr);
    const doc = parse(readFileSync(out, 'utf8')) as { groups: { rules: { alert: string; for: string }[] }[] };
    assert.deepEqual(
      doc.groups[0]?.rules.map((x) => [x.alert, x.for]),
      [
        ['GamedayErrorRateByAZ', '10s'],
        ['GamedayErrorRateByEndpoint', '10s'],
      ],
    );
    const check = spawnSync('promtool', ['check', 'rules', out], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /SUCCESS: 2 rules found/);
    const lint = spawnSync('promtool', ['check', 'rules', '--lint=all', '--lint-fatal', out], { encoding: 'utf8' });
    assert.equal(lint.status, 0, lint.stdout + lint.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('gameday alarms export: bad input is exit 2 with a fix', async () => {
  for (const [args, says] of [
    [['alarms', 'export', 'no/such.yaml'], /cannot read experiment file/],
    [['alarms', 'export', 'test/fixtures/short-power-off.yaml', '--for', 'soon'], /--for: soon is not a duration/],
    [['alarms', 'export', 'test/fixtures/short-power-off.yaml', '--out', '/nonexistent/dir/rules.yml'], /cannot write the rules file/],
  ] as const) {
    const r = await gameday(args);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, says);
    assert.match(r.stderr, /fix: /);
  }
});

test('without a rules file the rules go to stdout', async () => {
  const r = await gameday(['alarms', 'export', 'test/fixtures/short-power-off.yaml']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^# Prometheus alerting rules/);
  assert.match(r.stdout, /GamedayErrorRateByEndpoint/);
});

test('a rules list: each error-rate rule under its name and scopes (az x endpoint too), other kinds named as left out; promtool accepts it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gameday-export-rules-'));
  try {
    const file = join(dir, 'exp.yaml');
    writeFileSync(
      file,
      readFileSync('test/fixtures/short-power-off.yaml', 'utf8') +
        [
          'alarms:',
          '  rules:',
          '    - { kind: error-rate, name: errors, window: 3s, error-rate: 0.2, clear-rate: 0.1, min-requests: 5, per: [az, az-endpoint] }',
          '    - { kind: latency, name: p99, window: 5s, percentile: 99, above: 500ms, per: endpoint }',
          '',
        ].join('\n'),
    );
    const exp = loadExperiment(file);
    assert.deepEqual(
      alertingRules(exp).map((r) => [r.alert, r.labels['rule'], r.labels['scope']]),
      [
        ['GamedayErrorRateErrorsByAZ', 'errors', 'az'],
        ['GamedayErrorRateErrorsByAZEndpoint', 'errors', 'az-endpoint'],
      ],
    );
    assert.deepEqual(
      rulesLeftOut(exp).map((r) => r.name),
      ['p99'],
    );
    const out = join(dir, 'rules.yml');
    const r = await gameday(['alarms', 'export', file, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /left out, no Prometheus form for their kind yet: p99 \(latency\)/);
    assert.match(readFileSync(out, 'utf8'), /# Left out \(no Prometheus form for their kind yet\): p99 \(latency\)/);
    if (!noPromtool) {
      const check = spawnSync('promtool', ['check', 'rules', out], { encoding: 'utf8' });
      assert.equal(check.status, 0, check.stdout + check.stderr);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
