// The attribution rule (harness/alarms/review.ts) on small literal histories: each
// case is one way the old "whatever fault was in force" rule got it wrong.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FaultRecord } from '../faults/journal.ts';
import type { Op } from '../history/op.ts';
import type { AlarmChange } from './error-rate.ts';
import { reviewAlarms, type AlarmReview } from './review.ts';

const AZS = ['az1', 'az2', 'az3'];
const EPS = ['r1', 'r2', 'r3'];
const spec = { windowMs: 1000, errorRate: 0.5, minRequests: 3 };

/** Every AZ x endpoint canary calls every 50 ms until `end`; `fails(t, az, ep)` says which calls fail. */
function history(end: number, fails: (t: number, az: string, ep: string) => boolean): Op[] {
  const out: Op[] = [];
  let i = 0;
  for (let t = 0; t < end; t += 50) {
    for (const az of AZS) {
      for (const ep of EPS) {
        const bad = fails(t, az, ep);
        out.push({
          index: i++,
          type: bad ? 'fail' : 'ok',
          f: 'write',
          key: `k${i}`,
          value: i,
          process: i,
          time: t + 5,
          latencyMs: 5,
          az,
          endpoint: ep,
          ...(bad ? { error: 'ECONNREFUSED' } : {}),
        });
      }
    }
  }
  return out;
}
const inject = (id: string, time: number, kind = 'power-off'): FaultRecord => ({ time, event: 'inject', id, kind, nodes: [id] });
const heal = (id: string, time: number, kind = 'power-off'): FaultRecord => ({ time, event: 'heal', id, kind, nodes: [id] });
const change = (time: number, to: 'OK' | 'ALARM', scope: { az?: string; endpoint?: string }): AlarmChange => ({
  alarm: `error-rate ${scope.endpoint !== undefined ? `endpoint=${scope.endpoint}` : `az=${scope.az}`}`,
  scope,
  time,
  from: to === 'OK' ? 'ALARM' : 'OK',
  to,
  errorRate: 0,
  requests: 10,
  reason: '',
});
const review = (h: Op[], f: FaultRecord[], c: AlarmChange[], minErrors?: number): AlarmReview =>
  reviewAlarms(h, f, c, { graceMs: 1500, spec, ...(minErrors !== undefined ? { minErrors } : {}) });
const byId = (r: AlarmReview, id: string) => r.faults.find((f) => f.id === id);

test('an alarm is put down to the fault whose errors its scope saw, not to an earlier one still in force', () => {
  // f1 (a storage node) fails 1 call in 5 everywhere from 1 s; f2 powers off endpoint r3 at 3 s
  const h = history(8000, (t, _az, ep) => (t >= 1000 && t < 5000 && Math.round(t / 50) % 5 === 0) || (ep === 'r3' && t >= 3000 && t < 5000));
  const r = review(
    h,
    [inject('f1', 1000), inject('f2', 3000), heal('f1', 5000), heal('f2', 5000)],
    [change(3400, 'ALARM', { endpoint: 'r3' }), change(5600, 'OK', { endpoint: 'r3' })],
  );
  assert.equal(byId(r, 'f2')?.outcome, 'alarm');
  assert.deepEqual(byId(r, 'f2')?.raised, ['error-rate endpoint=r3']);
  assert.equal(byId(r, 'f2')?.alarmAfterMs, 400);
  assert.equal(byId(r, 'f1')?.outcome, 'below-threshold', "f1 raised nothing: its 20% is under the rule's 50%");
  assert.equal(byId(r, 'f1')?.alarmAfterMs, null);
  assert.deepEqual(
    r.changes.filter((c) => c.to === 'ALARM').map((c) => c.fault),
    ['f2'],
  );
  assert.equal(r.verdict, 'pass');
});

test("a fault that does nothing, injected while another fault's errors go on, is not credited with its alarm", () => {
  const h = history(8000, (t, _az, ep) => ep === 'r1' && t >= 3000 && t < 6000);
  const r = review(
    h,
    [inject('f2', 3000), inject('f3', 3200, 'latency'), heal('f3', 5000, 'latency'), heal('f2', 6000)],
    [change(3500, 'ALARM', { endpoint: 'r1' }), change(6500, 'OK', { endpoint: 'r1' })],
  );
  assert.equal(byId(r, 'f2')?.outcome, 'alarm');
  assert.equal(byId(r, 'f3')?.outcome, 'no-impact');
  assert.equal(r.verdict, 'pass');
});

test('a fault with no canary error is not credited with the alarm a later fault raised within its grace', () => {
  // slow-az: latency (no errors) healed at 5 s, reset-peer from 5.5 s with errors on az1
  const h = history(9000, (t, az) => az === 'az1' && t >= 5500 && t < 7500);
  const r = review(
    h,
    [inject('f1', 1000, 'latency'), heal('f1', 5000, 'latency'), inject('f2', 5500, 'reset-peer'), heal('f2', 7500, 'reset-peer')],
    [change(5900, 'ALARM', { az: 'az1' }), change(8200, 'OK', { az: 'az1' })],
  );
  assert.equal(byId(r, 'f1')?.outcome, 'no-impact');
  assert.equal(byId(r, 'f1')?.alarmAfterMs, null);
  assert.equal(byId(r, 'f2')?.outcome, 'alarm');
  assert.equal(byId(r, 'f2')?.alarmAfterMs, 400);
});

test('an alarm already in ALARM when a fault comes is its own outcome, with no time to alarm', () => {
  const h = history(9000, (t, _az, ep) => ep === 'r2' && t >= 1000 && t < 6000);
  const r = review(
    h,
    [inject('f1', 1000), heal('f1', 4000), inject('f2', 3500), heal('f2', 6000)],
    [change(1300, 'ALARM', { endpoint: 'r2' }), change(6600, 'OK', { endpoint: 'r2' })],
  );
  assert.equal(byId(r, 'f1')?.outcome, 'alarm');
  // f2 keeps r2 failing (its calls fail at no higher rate than before it: it adds nothing visible)
  assert.equal(byId(r, 'f2')?.outcome, 'no-impact');
  // a fault that makes things worse in the same scope, while its alarm is already firing
  const h2 = history(9000, (t, _az, ep) => (ep === 'r2' && t >= 1000 && t < 6000 && Math.round(t / 50) % 2 === 0) || (ep === 'r2' && t >= 3500 && t < 6000));
  const r2 = review(
    h2,
    [inject('f1', 1000), heal('f1', 4000), inject('f2', 3500), heal('f2', 6000)],
    [change(1300, 'ALARM', { endpoint: 'r2' }), change(6600, 'OK', { endpoint: 'r2' })],
  );
  assert.equal(byId(r2, 'f2')?.outcome, 'already-in-alarm');
  assert.deepEqual(byId(r2, 'f2')?.alreadyInAlarm, ['error-rate endpoint=r2']);
  assert.equal(byId(r2, 'f2')?.alarmAfterMs, null);
  assert.equal(r2.verdict, 'pass');
});

test("customer impact at the alarm's own error rate and no alarm: missed, the check fails naming the fault", () => {
  const h = history(8000, (t, az) => az === 'az2' && t >= 2000 && t < 4000);
  const r = review(h, [inject('f1', 2000), heal('f1', 4000)], []);
  assert.equal(byId(r, 'f1')?.outcome, 'missed');
  assert.equal(r.verdict, 'fail');
  assert.match(r.problems[0] ?? '', /^f1 \(power-off f1\): \d+ of \d+ canary calls failed in az=az2 \(\d+\.\d%\) and no alarm/);
  assert.equal(review(h, [inject('f1', 2000), heal('f1', 4000)], [], 10_000).verdict, 'pass', 'fewer errors than --min-errors need no alarm');
});

test("errors under the alarm's threshold are not a missed alarm", () => {
  const h = history(8000, (t, _az, ep) => ep === 'r1' && t >= 2000 && t < 4000 && Math.round(t / 50) % 10 === 0);
  const r = review(h, [inject('f1', 2000), heal('f1', 4000)], []);
  assert.equal(byId(r, 'f1')?.outcome, 'below-threshold');
  assert.equal(r.verdict, 'pass');
});

test("an alarm with no fault in force, or in a scope that saw none of the fault's errors, has no fault behind it", () => {
  const h = history(9000, (t, az) => (az === 'az1' && t >= 2000 && t < 3000) || (az === 'az3' && t >= 7000 && t < 8000));
  const r = review(
    h,
    [inject('f1', 2000), heal('f1', 3000)],
    [
      change(2300, 'ALARM', { az: 'az1' }),
      change(2400, 'ALARM', { az: 'az2' }),
      change(3600, 'OK', { az: 'az1' }),
      change(3700, 'OK', { az: 'az2' }),
      change(7400, 'ALARM', { az: 'az3' }),
    ],
  );
  assert.deepEqual(
    r.unexplained.map((c) => c.alarm),
    ['error-rate az=az2', 'error-rate az=az3'],
  );
  assert.equal(r.verdict, 'fail');
  assert.match(r.problems.join('\n'), /error-rate az=az2 went to ALARM at \+2\.4s with no fault behind it/);
  assert.equal(byId(r, 'f1')?.outcome, 'alarm');
  assert.equal(byId(r, 'f1')?.clear, 'cleared');
  assert.equal(byId(r, 'f1')?.clearedAfterHealMs, 600);
});

test('a fault overtaken within one alarm window by the next: no alarm of its own, not missed', () => {
  // f1 fails half the calls at r1 from 3 s (the rule's own rate); f2 powers off r1 at 3.4 s (0.4 s later, under the 1 s window)
  const h = history(8000, (t, _az, ep) => (ep === 'r1' && t >= 3000 && t < 5000 && Math.round(t / 50) % 2 === 0) || (ep === 'r1' && t >= 3400 && t < 5000));
  const r = review(
    h,
    [inject('f1', 3000), inject('f2', 3400), heal('f1', 5000), heal('f2', 5000)],
    [change(3800, 'ALARM', { endpoint: 'r1' }), change(5600, 'OK', { endpoint: 'r1' })],
  );
  assert.equal(byId(r, 'f2')?.outcome, 'alarm');
  assert.equal(byId(r, 'f1')?.outcome, 'overtaken');
  assert.equal(byId(r, 'f1')?.overtakenBy, 'f2');
  assert.equal(r.verdict, 'pass');
  // the same errors put down to one fault alone, with no alarm: missed
  const alone = review(h, [inject('f1', 3000), heal('f1', 5000)], []);
  assert.equal(byId(alone, 'f1')?.outcome, 'missed');
  // and a fault shorter than the alarm window is judged as the window saw it (diluted): 50% for 0.4 s of a 1 s window
  const short = review(
    h.filter((o) => o.time < 3400),
    [inject('f1', 3000), heal('f1', 3390)],
    [],
  );
  assert.equal(byId(short, 'f1')?.outcome, 'below-threshold');
});

test('an alarm that no fault stands out in is put down to the last fault in force whose calls failed above the quiet rate, not left unexplained', () => {
  // f0's errors (a fifth of az1's calls) outlast its heal; f1 keeps them going at the same rate: f1 adds nothing that stands out
  const h = history(9000, (t, az) => az === 'az1' && t >= 1000 && t < 6000 && Math.round(t / 50) % 5 === 0);
  const r = review(
    h,
    [inject('f0', 1000), heal('f0', 2000), inject('f1', 3000), heal('f1', 6000)],
    [change(4500, 'ALARM', { az: 'az1' }), change(6800, 'OK', { az: 'az1' })],
  );
  assert.deepEqual(
    r.changes.filter((c) => c.to === 'ALARM').map((c) => c.fault),
    ['f1'],
  );
  assert.deepEqual(r.unexplained, []);
  assert.equal(byId(r, 'f1')?.outcome, 'alarm');
});
