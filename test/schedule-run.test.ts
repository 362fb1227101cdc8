// test: game-days (runs local game days; see test/run-tests.mjs)
// gameday schedule with a seconds-level cron: two game days one after the other,
// each its own run with a fresh seed, both in the runs folder's index; SIGTERM in the
// middle of a game day interrupts it cleanly (it heals, stops its cluster, says
// interrupted) and ends the schedule; bad input (a cron that does not parse, an
// invalid experiment among several, a runs folder that cannot be written) is exit 2
// with nothing started.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gameday, repoRoot } from './cli.ts';

const env = { GAMEDAY_STATE_DIR: join(tmpdir(), 'gameday-e2e-state') };
const fixture = 'test/fixtures/short-power-off.yaml';
const folders = (dir: string): string[] => readdirSync(dir).filter((f) => !f.includes('.'));

test('schedule: a seconds-level cron runs two game days one after the other, fresh seeds, both in the index', { timeout: 180_000 }, async () => {
  const runs = mkdtempSync(join(tmpdir(), 'gameday-schedule-'));
  const r = await gameday(['schedule', fixture, '--cron', '*/1 * * * * *', '--max-runs', '2', '--duration', '12s', '--runs-dir', runs], { env });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /schedule "\*\/1 \* \* \* \* \*": test\/fixtures\/short-power-off\.yaml/);
  assert.match(r.stdout, /game day 1: test\/fixtures\/short-power-off\.yaml: PASS/);
  assert.match(r.stdout, /game day 2: test\/fixtures\/short-power-off\.yaml: PASS/);
  assert.match(r.stdout, /schedule stopped after 2 game day\(s\)/);
  // one at a time: the ticks that came during a game day were skipped, not run beside it
  assert.match(r.stdout, /tick skipped: the game days of the last tick still run/);
  const index = readFileSync(join(runs, 'index.ndjson'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { seed: number; folder: string; startedAt: string });
  assert.equal(index.length, 2);
  assert.deepEqual(index.map((e) => e.folder).sort(), folders(runs).sort());
  for (const f of folders(runs)) {
    const result = JSON.parse(readFileSync(join(runs, f, 'result.json'), 'utf8')) as { seed: number; verdict: string };
    assert.ok(
      index.some((e) => e.seed === result.seed),
      'the seed each run drew is recorded',
    );
  }
  // never overlapping: the second started after the first finished
  const [a, b] = index as unknown as [{ startedAt: string }, { startedAt: string }];
  const first = JSON.parse(readFileSync(join(runs, (index[0] as { folder: string }).folder, 'result.json'), 'utf8')) as { finishedAt: string };
  assert.ok(b.startedAt >= first.finishedAt && a.startedAt < b.startedAt);
});

test('schedule: SIGTERM in the middle of a game day interrupts it cleanly and ends the schedule', { timeout: 120_000 }, async () => {
  const runs = mkdtempSync(join(tmpdir(), 'gameday-schedule-'));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'harness/cli/main.ts'), 'schedule', fixture, '--cron', '*/1 * * * * *', '--runs-dir', runs],
    { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const deadline = Date.now() + 60_000;
  const inChaos = (): boolean => folders(runs).some((f) => existsSync(join(runs, f, 'faults.ndjson')));
  while (!inChaos() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.ok(inChaos(), 'a game day reached chaos');
  child.kill('SIGTERM');
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  assert.equal(code, 0, out);
  assert.match(out, /SIGTERM: stopping the schedule; interrupting the game day in progress/);
  assert.match(out, /game day 1: .*: INTERRUPTED/);
  const [f] = folders(runs);
  const result = JSON.parse(readFileSync(join(runs, f as string, 'result.json'), 'utf8')) as { interrupted: boolean; faults: { healedAtMs: number | null }[] };
  assert.equal(result.interrupted, true);
  assert.ok(
    result.faults.every((x) => x.healedAtMs !== null),
    'its faults were healed',
  );
});

test('schedule: bad input is exit 2 with the fix, and no game day starts', { timeout: 60_000 }, async () => {
  const runs = mkdtempSync(join(tmpdir(), 'gameday-schedule-'));
  const cron = await gameday(['schedule', fixture, '--cron', 'every tuesday', '--runs-dir', runs]);
  assert.equal(cron.code, 2, cron.stderr);
  assert.match(cron.stderr, /--cron: "every tuesday" is not a cron expression/);
  const bad = join(runs, 'bad.yaml');
  writeFileSync(bad, 'title: t\nfaults: [{ kind: power-of }]\n');
  const second = await gameday(['schedule', fixture, bad, '--cron', '*/1 * * * * *', '--runs-dir', runs]);
  assert.equal(second.code, 2, second.stderr);
  assert.match(second.stderr, /bad\.yaml: 1 problem in the experiment file[\s\S]*faults\[0\]\.kind/);
  const unwritable = await gameday(['schedule', fixture, '--cron', '*/1 * * * * *', '--runs-dir', '/proc/gameday-runs']);
  assert.equal(unwritable.code, 2, unwritable.stderr);
  assert.match(unwritable.stderr, /--runs-dir: cannot write in \/proc\/gameday-runs/);
  assert.deepEqual(folders(runs), [], 'nothing ran');
});
