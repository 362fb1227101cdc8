// test: game-days (runs local game days; see test/run-tests.mjs)
// After the harness is SIGKILLed mid-run (no chance to clean up), `gameday heal`
// kills the run's node processes, closes its faults in the journal, and leaves
// everything that is not the run's alone.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { alive } from '../harness/runner/registry.ts';
import { gameday, repoRoot } from './cli.ts';

test('gameday heal cleans up after a harness killed with SIGKILL in the middle of chaos', { timeout: 120_000 }, async () => {
  const base = mkdtempSync(join(tmpdir(), 'gameday-heal-'));
  const env = { ...process.env, GAMEDAY_STATE_DIR: join(base, 'state') };
  const out = join(base, 'run');
  // a bystander process that is not the run's: heal must not touch it
  const bystander = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  const child = spawn(process.execPath, ['--import', 'tsx', 'harness/cli/main.ts', 'run', 'test/fixtures/short-power-off.yaml', '--seed', '5', '--out', out], {
    cwd: repoRoot,
    env,
  });
  let err = '';
  await new Promise<void>((resolve) => {
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
      if (/f1 power-off/.test(err)) resolve();
    });
    child.on('close', () => resolve());
  });
  child.kill('SIGKILL');
  await new Promise((r) => child.on('close', r));
  const faults = readFileSync(join(out, 'faults.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { event: string; id: string });
  assert.ok(
    faults.some((f) => f.event === 'inject'),
    'a fault was in force when the harness died',
  );

  const r = await gameday(['heal'], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /healed .*killed \d+ node processes/);
  const { pids } = JSON.parse(readFileSync(join(out, 'nodes', 'pids.json'), 'utf8')) as { pids: Record<string, number> };
  await new Promise((res) => setTimeout(res, 200));
  assert.deepEqual(Object.values(pids).filter(alive), [], 'no node process of the run is left');
  const after = readFileSync(join(out, 'faults.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { event: string; id: string; reason?: string });
  for (const f of after.filter((x) => x.event === 'inject'))
    assert.ok(
      after.some((x) => x.event === 'heal' && x.id === f.id),
      `${f.id} closed`,
    );
  assert.ok(after.some((x) => x.reason === 'after-crash'));
  assert.ok(alive(bystander.pid as number), "a process that is not the run's is left alone");
  bystander.kill();
  const again = await gameday(['heal'], { env });
  assert.match(again.stdout, /nothing to heal/);
});
