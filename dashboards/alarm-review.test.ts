import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AlarmChange } from '../harness/alarms/error-rate.ts';
import type { FaultRecord } from '../harness/faults/journal.ts';
import type { Op } from '../harness/history/op.ts';
import { reviewAlarms } from './alarm-review.ts';
import { alarmChange } from './test-run-folder.ts';

const op = (time: number, ok: boolean): Op => ({ index: 0, type: ok ? 'ok' : 'fail', f: 'write', key: 'k', value: 1, process: 0, time, az: 'az1', endpoint: 'e1', latencyMs: 5, ...(ok ? {} : { error: 'ECONNREFUSED' }) });
const fault = (id: string, event: 'inject' | 'heal', time: number): FaultRecord => ({ time, event, id, kind: 'power-off', nodes: ['n1'] });
const history = [op(1000, true), op(3100, false), op(3200, false), op(6000, true)];

test('a fault with errors and an alarm that cleared after the heal passes', () => {
  const r = reviewAlarms(history, [fault('f1', 'inject', 3000), fault('f1', 'heal', 4000)], [alarmChange(3300, 'ALARM'), alarmChange(5000, 'OK')], { graceMs: 1000 });
  assert.equal(r.verdict, 'pass');
  const f = r.faults[0];
  assert.ok(f);
  assert.deepEqual([f.canaryErrors, f.firstErrorAfterMs, f.alarmAfterMs, f.clear, f.clearedAfterHealMs], [2, 100, 300, 'cleared', 1000]);
});

test('errors and no alarm: the fault is missed', () => {
  const r = reviewAlarms(history, [fault('f1', 'inject', 3000), fault('f1', 'heal', 4000)], [], { graceMs: 1000 });
  assert.equal(r.verdict, 'fail');
  assert.equal(r.faults[0]?.missed, true);
  assert.match(r.problems[0] ?? '', /^f1 .*2 canary errors and no alarm/);
  assert.equal(reviewAlarms(history, [fault('f1', 'inject', 3000), fault('f1', 'heal', 4000)], [], { graceMs: 1000, minErrors: 3 }).verdict, 'pass');
});

test('an alarm with no fault in force (nor within the grace after a heal) is unexplained', () => {
  const changes: AlarmChange[] = [alarmChange(3300, 'ALARM'), alarmChange(4500, 'OK'), alarmChange(8000, 'ALARM')];
  const r = reviewAlarms(history, [fault('f1', 'inject', 3000), fault('f1', 'heal', 4000)], changes, { graceMs: 1000 });
  assert.equal(r.verdict, 'fail');
  assert.deepEqual(r.unexplained.map((c) => c.time), [8000]);
  assert.deepEqual(r.stillInAlarmAtEnd, ['error-rate az=az1']);
});

test('a fault injected while an alarm is already firing counts as alarmed; a fault never healed is reported so', () => {
  const r = reviewAlarms(history, [fault('f1', 'inject', 3000), fault('f2', 'inject', 3150)], [alarmChange(3100, 'ALARM')], { graceMs: 1000 });
  assert.equal(r.verdict, 'pass');
  assert.deepEqual(r.faults.map((f) => [f.id, f.alarmAfterMs, f.alreadyInAlarm.length, f.clear]), [['f1', 100, 0, 'not-healed'], ['f2', 0, 1, 'not-healed']]);
});
