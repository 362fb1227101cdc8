import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const main = fileURLToPath(new URL('../main.ts', import.meta.url));
const gameday = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', main, ...args], { encoding: 'utf8' });
const dir = mkdtempSync(join(tmpdir(), 'gameday-check-'));
const line = (o: object): string => JSON.stringify(o);

function runFolder(name: string, finalValue: number): string {
  const d = join(dir, name);
  mkdirSync(d);
  const ops = [
    { type: 'invoke', f: 'write', key: 'k', value: 1, process: 0, time: 1 },
    { type: 'ok', f: 'write', key: 'k', value: 1, process: 0, time: 2 },
    { type: 'invoke', f: 'write', key: 'k', value: 2, process: 0, time: 3 },
    { type: 'ok', f: 'write', key: 'k', value: 2, process: 0, time: 4 },
    { type: 'invoke', f: 'read', key: 'k', value: null, process: 1, time: 5, final: true, consistency: 'strong' },
    { type: 'ok', f: 'read', key: 'k', value: finalValue, process: 1, time: 6, final: true, consistency: 'strong' },
  ];
  writeFileSync(join(d, 'history.ndjson'), ops.map((o, index) => line({ index, ...o })).join('\n') + '\n');
  return d;
}

test('a valid run folder exits 0', () => {
  const r = gameday('check', runFolder('good', 2));
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /PASS\s+lost-writes/);
  assert.match(r.stdout, /PASS\s+linearizable/);
});

test('a lost write exits 1 and names the key and the lost write; --json gives the same as data', () => {
  const d = runFolder('lost', 1);
  const r = gameday('check', d);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /FAIL\s+lost-writes/);
  assert.match(r.stdout, /key "k": final read 1/);
  assert.match(r.stdout, /lost: #2 p0 write 2/);
  const j = gameday('check', d, '--json');
  assert.equal(j.status, 1);
  const out = JSON.parse(j.stdout) as { verdict: string; checks: Array<{ name: string; verdict: string; details: { witness?: { key: string } } }> };
  assert.equal(out.verdict, 'fail');
  assert.equal(out.checks.find((c) => c.name === 'linearizable')?.details.witness?.key, 'k');
});

test('bad input exits 2: missing path, folder without history, unreadable file, bad option', () => {
  assert.equal(gameday('check', join(dir, 'nope')).status, 2);
  mkdirSync(join(dir, 'empty'));
  const e = gameday('check', join(dir, 'empty'));
  assert.equal(e.status, 2);
  assert.match(e.stderr, /no history\.ndjson/);
  writeFileSync(join(dir, 'bad.ndjson'), '{"type":"ok","f":"write","process":0,"time":1}\nnot json\n');
  const b = gameday('check', join(dir, 'bad.ndjson'));
  assert.equal(b.status, 2);
  assert.match(b.stderr, /bad\.ndjson:2/);
  assert.equal(gameday('check', join(dir, 'bad.ndjson'), '--model', 'graph').status, 2);
});

/** n concurrent writes, each value read by a concurrent read, then a read of a value nobody wrote. */
function hardHistory(name: string, n: number): string {
  const ops: object[] = [];
  const at = (type: string, f: string, value: number | null, process: number, time: number) => ops.push({ type, f, key: 'k', value, process, time });
  for (let p = 0; p < n; p++) at('invoke', 'write', p, p, p);
  for (let p = 0; p < n; p++) at('invoke', 'read', null, 100 + p, n + p);
  for (let p = 0; p < n; p++) at('ok', 'write', p, p, 3 * n + p);
  for (let p = 0; p < n; p++) at('ok', 'read', p, 100 + p, 4 * n + p);
  at('invoke', 'read', null, 99, 5 * n);
  at('ok', 'read', 99, 99, 5 * n + 1);
  const f = join(dir, name);
  writeFileSync(f, ops.map((o, index) => line({ index, ...o })).join('\n'));
  return f;
}

test('an exhausted budget exits 3: time (--timeout) or memory (--max-memory)', () => {
  const f = hardHistory('hard.ndjson', 16);
  const r = gameday('check', f, '--timeout', '0.001');
  assert.equal(r.status, 3, r.stdout + r.stderr);
  assert.match(r.stdout, /UNKNOWN\s+linearizable.*time budget exhausted/);
  const m = gameday('check', f, '--max-memory', '0.05');
  assert.equal(m.status, 3, m.stdout + m.stderr);
  assert.match(m.stdout, /UNKNOWN\s+linearizable.*memory budget exhausted \(0\.05 MB/);
});

test('a bad --timeout or --max-memory exits 2 naming the flag and the fix', () => {
  const f = hardHistory('small.ndjson', 2);
  for (const [flag, v] of [
    ['--timeout', '0'],
    ['--timeout', 'soon'],
    ['--max-memory', '-1'],
    ['--max-memory', 'lots'],
  ] as const) {
    const r = gameday('check', f, flag, v);
    assert.equal(r.status, 2, `${flag} ${v}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, new RegExp(`${flag}.*positive number`));
    assert.match(r.stderr, new RegExp(`e\\.g\\. ${flag} \\d+`));
  }
  assert.equal(gameday('check', f, '--max-memory', '64', '--timeout', '5').status, 1);
});
