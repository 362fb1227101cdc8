import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createRunLogger, formatStatus, type ProgressRecord } from './logger.ts';

function screen(isTTY: boolean, columns = 200): Writable & { isTTY: boolean; columns: number; text: () => string } {
  let text = '';
  const w = new Writable({
    write(chunk: Buffer, _e, cb) {
      text += chunk.toString('utf8');
      cb();
    },
  }) as Writable & { isTTY: boolean; columns: number; text: () => string };
  w.isTTY = isTTY;
  w.columns = columns;
  w.text = () => text;
  return w;
}

const progress = (over: Partial<ProgressRecord> = {}, untimed = false): ProgressRecord => {
  const p: ProgressRecord = {
    phase: 'chaos',
    elapsedMs: 4000,
    totalMs: 10_000,
    opsPerSec: 812,
    errorRate: 0.05,
    errorRateByAz: { az1: 0, az2: 0.125, az3: 0 },
    faults: ['f1 power-off az2-router-1'],
    inAlarm: ['error-rate az=az2'],
    ...over,
  };
  if (!untimed) return p;
  const { totalMs: _, ...rest } = p;
  return rest;
};

test('the status line says phase and time left, rate, failures per AZ, faults in force and alarms in ALARM', () => {
  assert.equal(
    formatStatus(progress()),
    'chaos 6.0s left | 812 ops/s | failed az1 0.0% az2 12.5% az3 0.0% | faults f1 power-off az2-router-1 | ALARM error-rate az=az2',
  );
  assert.equal(
    formatStatus(progress({ elapsedMs: 61_000, faults: [], inAlarm: [], errorRateByAz: {} }, true)),
    'chaos 61s | 812 ops/s | failed 5.0% | faults none | ALARM none',
  );
});

test('on a terminal the progress is one line redrawn in place, under the log lines', async () => {
  const out = screen(true);
  const log = createRunLogger(join(mkdtempSync(join(tmpdir(), 'gameday-log-')), 'gameday.log'), { quiet: false, clock: () => 1500, out });
  log.info({ progress: progress({ opsPerSec: 100 }) }, 'progress 1');
  log.info({ progress: progress({ opsPerSec: 200 }) }, 'progress 2');
  log.info('fault f1 injected');
  log.info({ progressDone: true }, 'stopping canaries');
  log.info('cluster stopped');
  const t = out.text().replaceAll('\r\x1b[2K', '<CLEAR>');
  // each redraw clears the line and writes no newline
  assert.match(t, /^<CLEAR>chaos 6\.0s left \| 100 ops\/s[^\n]*<CLEAR>chaos 6\.0s left \| 200 ops\/s/);
  // a log line clears the status, prints, and draws the status again under it
  assert.match(t, /<CLEAR> {3}\+ {3}1\.5s {2}fault f1 injected\nchaos 6\.0s left \| 200 ops\/s/);
  // after the canaries stop, plain lines only and no status drawn again
  assert.ok(t.endsWith('<CLEAR>   +   1.5s  stopping canaries\n   +   1.5s  cluster stopped\n'), JSON.stringify(t.slice(-120)));
  assert.equal(t.includes('progress 1'), false);
});

test('a status line wider than the terminal is cut, so it can be redrawn in place', () => {
  const out = screen(true, 40);
  const log = createRunLogger(join(mkdtempSync(join(tmpdir(), 'gameday-log-')), 'gameday.log'), { quiet: false, clock: () => 0, out });
  log.info({ progress: progress() }, 'p');
  const line = out.text().replace('\r\x1b[2K', '');
  assert.equal(line.length, 39);
  assert.ok(line.endsWith('…'));
});

test('elsewhere (a file, a pipe, CI) every progress record is a plain line, and the log file keeps the figures', () => {
  const out = screen(false);
  const file = join(mkdtempSync(join(tmpdir(), 'gameday-log-')), 'gameday.log');
  const log = createRunLogger(file, { quiet: false, clock: () => 2000, out });
  log.info({ progress: progress() }, 'progress  chaos 4.0s/10.0s');
  log.info({ progressDone: true }, 'stopping canaries');
  assert.equal(out.text(), '   +   2.0s  progress  chaos 4.0s/10.0s\n   +   2.0s  stopping canaries\n');
  assert.equal(out.text().includes('\x1b'), false);
  const rec = JSON.parse(readFileSync(file, 'utf8').split('\n')[0] ?? '{}') as { progress: ProgressRecord };
  assert.deepEqual(rec.progress.errorRateByAz, { az1: 0, az2: 0.125, az3: 0 });
});
