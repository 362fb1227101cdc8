// test: game-days (runs local game days; see test/run-tests.mjs)
// End to end: a rolling upgrade of the reference cluster's storage nodes onto build
// v2 and back (the heal: a downgrade), under canary traffic. Every node ran v2 and
// then v1 again, v2 wrote its own WAL format, and every check holds across the mixed
// versions.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RunResult } from '../harness/runner/result.ts';
import { gameday } from './cli.ts';
import { assertRolledAndBack } from './upgrade-checks.ts';

const env = { GAMEDAY_STATE_DIR: join(tmpdir(), 'gameday-e2e-state') };

test('a rolling upgrade to v2 and back: each storage node restarts onto v2, then v1; canaries keep running; every check holds', {
  timeout: 150_000,
}, async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'gameday-upgrade-')), 'run');
  const r = await gameday(['run', 'test/fixtures/short-rolling-upgrade.yaml', '--seed', '4', '--out', out, '--quiet', '--json'], { env });
  assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout.slice(0, 3000)}\n${r.stderr.slice(-2000)}`);
  const result = JSON.parse(r.stdout) as RunResult;
  assert.equal(result.verdict, 'pass', result.checks.map((c) => `${c.name}: ${c.verdict} ${c.summary}`).join('\n'));
  assertRolledAndBack(out);
});
