import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { gameday } from '../../test/cli.ts';
import { RunMetrics } from './run-metrics.ts';
import { MetricsServer, parseMetricsAddress } from './server.ts';

test('--metrics addresses: loopback host:port only', () => {
  assert.deepEqual(parseMetricsAddress('127.0.0.1:9464'), { host: '127.0.0.1', port: 9464 });
  assert.deepEqual(parseMetricsAddress('127.0.3.7:1'), { host: '127.0.3.7', port: 1 });
  assert.deepEqual(parseMetricsAddress('[::1]:9464'), { host: '::1', port: 9464 });
  assert.deepEqual(parseMetricsAddress('localhost:9464'), { host: '127.0.0.1', port: 9464 });
  for (const bad of ['9464', '127.0.0.1', '127.0.0.1:0', '127.0.0.1:70000', '0.0.0.0:9464', '10.1.2.3:9464', 'example.com:9464', ':9464', '[::]:9464']) {
    const r = parseMetricsAddress(bad);
    assert.ok('problem' in r && r.fix.includes('127.0.0.1:9464'), `${bad} is refused with a fix`);
  }
});

test('serves the registry at /metrics until closed', async () => {
  const m = new RunMetrics();
  m.phase('baseline');
  const s = await MetricsServer.listen({ host: '127.0.0.1', port: 0 }, m);
  try {
    const res = await fetch(s.url);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    assert.match(await res.text(), /gameday_phase\{phase="baseline"\} 1/);
    assert.equal((await fetch(s.url.replace('/metrics', '/'))).status, 404);
  } finally {
    await s.close();
  }
  await assert.rejects(fetch(s.url), 'closed');
});

test('gameday run --metrics: not loopback, taken, or missing its value is exit 2 naming --metrics, nothing started', async () => {
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  const port = (taken.address() as { port: number }).port;
  try {
    for (const [value, says] of [
      [`10.0.0.1:${port}`, /not a loopback address/],
      [`127.0.0.1:${port}`, /is taken/],
    ] as const) {
      const r = await gameday(['run', 'test/fixtures/short-power-off.yaml', '--metrics', value, '--out', '/nonexistent/never-made']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /error: --metrics: /);
      assert.match(r.stderr, says);
      assert.match(r.stderr, /fix: /);
      assert.doesNotMatch(r.stderr, /phase|cluster up/);
    }
    const r = await gameday(['run', 'test/fixtures/short-power-off.yaml', '--metrics']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /metrics/);
  } finally {
    taken.close();
  }
});
