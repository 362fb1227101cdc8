// Each rule kind on a synthetic canary stream: it fires for its own reason, and
// stays quiet on a clean stream. Three AZs x three endpoints, a call every 50 ms each.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Op } from '../history/op.ts';
import { replayRules } from './alarm-set.ts';
import type { AlarmRule } from './rules.ts';
import { StopWatch } from './stop-when.ts';

const AZS = ['az1', 'az2', 'az3'];
const EPS = ['r1', 'r2', 'r3'];
type Call = { err?: boolean; latencyMs?: number; skip?: boolean };
function stream(end: number, f: (t: number, az: string, ep: string) => Call = () => ({})): Op[] {
  const out: Op[] = [];
  let i = 0;
  for (let t = 0; t < end; t += 50) {
    for (const az of AZS) {
      for (const ep of EPS) {
        const c = f(t, az, ep);
        if (c.skip) continue;
        const lat = c.latencyMs ?? 5;
        out.push({
          index: i++,
          type: c.err ? 'fail' : 'ok',
          f: 'write',
          key: 'k',
          value: i,
          process: i,
          time: t + lat,
          latencyMs: lat,
          az,
          endpoint: ep,
          ...(c.err ? { error: 'ECONNREFUSED' } : {}),
        });
      }
    }
  }
  return out;
}
const raised = (h: Op[], rules: AlarmRule[]) => replayRules(h, rules).filter((c) => c.to === 'ALARM');

const errorRate: AlarmRule = { kind: 'error-rate', name: 'errors', per: ['az'], windowMs: 1000, errorRate: 0.5, clearRate: 0.25, minRequests: 5 };
const latency: AlarmRule = { kind: 'latency', name: 'p99', per: ['endpoint'], windowMs: 1000, percentile: 99, thresholdMs: 300, minRequests: 5 };
const burn: AlarmRule = {
  kind: 'burn-rate',
  name: 'slo',
  per: ['az'],
  slo: 0.99,
  windows: [
    { longMs: 3_600_000, shortMs: 300_000, factor: 14.4 },
    { longMs: 21_600_000, shortMs: 1_800_000, factor: 6 },
  ],
  timeScale: 1 / 720,
  minRequests: 10,
};
const outlier: AlarmRule = {
  kind: 'az-outlier',
  name: 'zonal',
  per: ['az'],
  signal: 'error-rate',
  windowMs: 1000,
  factor: 3,
  floor: 0.05,
  percentile: 99,
  minRequests: 5,
};
const absent: AlarmRule = { kind: 'absent', name: 'silent', per: ['az-endpoint'], windowMs: 1000 };
const all = [errorRate, latency, burn, outlier, absent];

test('a clean stream raises no alarm of any kind', () => {
  assert.deepEqual(raised(stream(20_000), all), []);
});

test('error-rate: half the calls of az2 fail: its AZ alarm, and only it; it clears after', () => {
  const h = stream(10_000, (t, az) => ({ err: az === 'az2' && t >= 3000 && t < 6000 && Math.round(t / 50) % 4 !== 0 }));
  const ch = replayRules(h, [errorRate]);
  assert.deepEqual(
    ch.filter((c) => c.to === 'ALARM').map((c) => c.alarm),
    ['errors az=az2'],
  );
  assert.match(ch[0]?.reason ?? '', /requests failed in the last 1s \(\d+(\.\d)?% >= 50%\)/);
  assert.ok(ch.some((c) => c.to === 'OK' && c.alarm === 'errors az=az2' && c.time > 6000));
  // 20% errors are under the rule
  assert.deepEqual(
    raised(
      stream(10_000, (t, az) => ({ err: az === 'az2' && Math.round(t / 50) % 5 === 0 })),
      [errorRate],
    ),
    [],
  );
});

test('latency: endpoint r3 answers in 800 ms: p99 over 1s > 300ms on r3 only; errors alone do not raise it', () => {
  const ch = raised(
    stream(10_000, (t, _az, ep) => ({ latencyMs: ep === 'r3' && t >= 3000 && t < 6000 ? 800 : 5 })),
    [latency],
  );
  assert.deepEqual(
    ch.map((c) => c.alarm),
    ['p99 endpoint=r3'],
  );
  assert.match(ch[0]?.reason ?? '', /p99 latency 800ms .*\(> 300ms\)/);
  assert.ok((ch[0]?.time ?? 0) >= 3800 && (ch[0]?.time ?? 0) <= 4500, `raised at ${ch[0]?.time}`);
  assert.deepEqual(
    raised(
      stream(10_000, (t) => ({ err: t >= 3000 && t < 6000 })),
      [latency],
    ),
    [],
  );
});

test('burn-rate: both windows of a pair must burn above the factor; a short burst alone does not page, a sustained burn does', () => {
  // SLO 99%: budget 1%; 14.4x is a 14.4% error rate over 5 s (1 h / 720) and over 417 ms (5 min / 720)
  // a burst of errors on az1 for 300 ms: the short window burns at 100x, the 5 s long window at ~6% / 1% = 6x < 14.4
  const burst = stream(15_000, (t, az) => ({ err: az === 'az1' && t >= 5000 && t < 5300 }));
  assert.deepEqual(raised(burst, [burn]), []);
  // a third of the calls on az1 fail from 40 s (the 30 s window of the 6x pair is full by then) for 6 s: 33x over both windows of the 14.4x pair
  const sustained = stream(60_000, (t, az) => ({ err: az === 'az1' && t >= 40_000 && t < 46_000 && Math.round(t / 50) % 3 === 0 }));
  const ch = replayRules(sustained, [burn]);
  const up = ch.filter((c) => c.to === 'ALARM');
  assert.deepEqual(
    up.map((c) => c.alarm),
    ['slo az=az1'],
  );
  assert.match(up[0]?.reason ?? '', /burn rate [\d.]+x over 5s and [\d.]+x over 417ms .* >= 14\.4x/);
  // the long window takes 14.4% / 33% of 5 s = 2.2 s to burn enough: the alarm comes after that, well before 5 s
  const t = (up[0]?.time ?? 0) - 40_000;
  assert.ok(t >= 2000 && t <= 3500, `paged ${t} ms after the burn began`);
  // and it resets soon after the errors stop: once the short windows empty (417 ms, and the 6x pair's 2.5 s: it burns at 6.6x over 30 s), not the long ones
  const down = ch.find((c) => c.to === 'OK');
  assert.ok(down && down.time - 46_000 <= 2750, `cleared ${down ? down.time - 46_000 : '-'} ms after the errors stopped`);
});

test('az-outlier: one AZ far worse than the others fires; the same errors in every AZ do not', () => {
  const zonal = raised(
    stream(10_000, (t, az) => ({ err: az === 'az3' && t >= 3000 && t < 6000 && Math.round(t / 50) % 5 === 0 })),
    [outlier],
  );
  assert.deepEqual(
    zonal.map((c) => c.alarm),
    ['zonal az=az3'],
  );
  assert.match(zonal[0]?.reason ?? '', /error rate \d+(\.\d)?% over the last 1s against a median of 0% in the other AZs \(> 3x and floor 5%\)/);
  assert.deepEqual(
    raised(
      stream(10_000, (t) => ({ err: t >= 3000 && t < 6000 && Math.round(t / 50) % 5 === 0 })),
      [outlier],
    ),
    [],
    'regional errors are not zonal',
  );
  // under the floor: one AZ alone fails, but at most 5% of a window's calls (3 of 60), under a 10% floor
  assert.deepEqual(
    raised(
      stream(10_000, (t, az) => ({ err: az === 'az3' && Math.round(t / 50) % 50 === 25 })),
      [{ ...outlier, floor: 0.1 }],
    ),
    [],
  );
  const slow: AlarmRule = { ...outlier, name: 'zonal-p99', signal: 'latency', floor: 200 };
  assert.deepEqual(
    raised(
      stream(10_000, (t, az) => ({ latencyMs: az === 'az1' && t >= 3000 && t < 6000 ? 600 : 5 })),
      [slow],
    ).map((c) => c.alarm),
    ['zonal-p99 az=az1'],
  );
});

test('absent: a canary that stops reporting while the others go on; the end of the run is not an outage', () => {
  const h = stream(10_000, (t, az, ep) => ({ skip: az === 'az2' && ep === 'r1' && t >= 4000 && t < 7000 }));
  const ch = raised(h, [absent]);
  assert.deepEqual(
    ch.map((c) => c.alarm),
    ['silent az=az2 endpoint=r1'],
  );
  assert.ok((ch[0]?.time ?? 0) >= 5000 && (ch[0]?.time ?? 0) <= 5300, `raised at ${ch[0]?.time}`);
});

test('stop-when: met once an alarm of the rule has been in ALARM for the time given, not before, and not by another rule', () => {
  const w = new StopWatch([{ alarm: 'errors', forMs: 2000 }]);
  w.observe([{ alarm: 'other az=az1', rule: 'other', scope: { az: 'az1' }, time: 100, from: 'OK', to: 'ALARM', errorRate: 1, requests: 9, reason: '' }]);
  assert.equal(w.met(5000), undefined);
  w.observe([{ alarm: 'errors az=az1', rule: 'errors', scope: { az: 'az1' }, time: 1000, from: 'OK', to: 'ALARM', errorRate: 1, requests: 9, reason: '' }]);
  assert.equal(w.met(2999), undefined);
  assert.deepEqual(w.met(3000), { alarm: 'errors', forMs: 2000, atMs: 3000, by: 'errors az=az1', inAlarmSinceMs: 1000 });
  w.observe([{ alarm: 'errors az=az1', rule: 'errors', scope: { az: 'az1' }, time: 3100, from: 'ALARM', to: 'OK', errorRate: 0, requests: 9, reason: '' }]);
  assert.equal(w.met(9000), undefined, 'back to OK: the clock starts again');
});
