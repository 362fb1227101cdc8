// `gameday check --whole-map`: the kv history searched as one map, from the command line.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { finalRead, hist, type Line } from './test-history.ts';

const main = fileURLToPath(new URL('../cli/main.ts', import.meta.url));
const gameday = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', main, ...args], { encoding: 'utf8' });
const dir = mkdtempSync(join(tmpdir(), 'gameday-whole-map-'));

function file(name: string, lines: Line[]): string {
  const f = join(dir, name);
  writeFileSync(
    f,
    hist(lines)
      .map((o) => JSON.stringify(o))
      .join('\n') + '\n',
  );
  return f;
}
const w = (p: number, key: string, v: number): Line[] => [
  ['i', p, 'write', key, v],
  ['ok', p, 'write', key, v],
];
const r = (p: number, key: string, v: number): Line[] => [
  ['i', p, 'read', key, null],
  ['ok', p, 'read', key, v],
];

test('--whole-map: a valid kv history passes (exit 0), a stale read fails (exit 1) naming its key', () => {
  // with the harness's final reads, so that lost-writes has something to decide too
  const ok = gameday(
    'check',
    file('good.ndjson', [...w(0, 'a', 1), ...w(1, 'b', 2), ...r(0, 'b', 2), ...r(1, 'a', 1), ...finalRead(8, 'a', 1), ...finalRead(9, 'b', 2)]),
    '--whole-map',
  );
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /PASS\s+linearizable: linearizable \(kv, whole map\): 2 key\(s\)/);
  const bad = gameday(
    'check',
    file('bad.ndjson', [...w(0, 'a', 1), ...w(1, 'b', 2), ...w(0, 'b', 3), ...r(1, 'a', 1), ...r(1, 'b', 2)]),
    '--whole-map',
    '--json',
  );
  assert.equal(bad.status, 1, bad.stdout + bad.stderr);
  const out = JSON.parse(bad.stdout) as { checks: Array<{ name: string; verdict: string; details: { wholeMap?: boolean; witness?: { key: string } } }> };
  const lin = out.checks.find((c) => c.name === 'linearizable');
  assert.equal(lin?.verdict, 'fail');
  assert.equal(lin?.details.wholeMap, true);
  assert.equal(lin?.details.witness?.key, 'b');
});

test('--whole-map with a model other than kv is a usage error (exit 2) naming the option and the fix', () => {
  const f = file('reg.ndjson', [...w(0, 'a', 1), ...r(1, 'a', 1)]);
  const res = gameday('check', f, '--whole-map', '--model', 'register');
  assert.equal(res.status, 2, res.stdout + res.stderr);
  assert.match(res.stderr, /--whole-map/);
  assert.match(res.stderr, /model here is register/);
  assert.match(res.stderr, /fix: drop --whole-map, or give --model kv/);
});
