// test: game-days (runs local game days; see test/run-tests.mjs)
// The run's summary and `gameday review` agree, fault by fault, on every ready
// experiment: both read the one attribution rule (harness/alarms/review.ts), the
// summary from the run's result, the review from the run folder's files.
// GAMEDAY_AGREE_SEEDS=10 runs ten seeds of each (about 35 minutes). By default (and in
// CI) one seed of the three whose attribution is hardest (power-offs one after the
// other, an AZ cut off, leaders powered off in turn); GAMEDAY_AGREE_ALL=1 takes every
// ready experiment, the docker, etcd and pinned ones included.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RunResult } from '../harness/runner/result.ts';
import { etcdMissing } from '../targets/etcd/target.ts';
import { redisMissing } from '../targets/redis/target.ts';
import { gameday, repoRoot } from './cli.ts';

const seeds = Math.max(1, Number(process.env['GAMEDAY_AGREE_SEEDS'] ?? 1));
const env = { GAMEDAY_STATE_DIR: join(tmpdir(), 'gameday-e2e-state') };
const experiments = readdirSync(join(repoRoot, 'experiments'))
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const tally: string[] = [];
const everyRun = ['power-off.yaml', 'az-partition.yaml', 'leader-failover.yaml'];

for (const file of experiments) {
  for (let i = 0; i < seeds; i++) {
    const seed = 100 + i;
    const text = readFileSync(join(repoRoot, 'experiments', file), 'utf8');
    const needsEtcd = /^\s*name:\s*etcd\b/m.test(text);
    const needsRedis = /^\s*name:\s*redis\b/m.test(text);
    // docker game days, etcd's and a pinned copy of another are covered by their own end-to-end
    // tests (test/etcd-run.test.ts, test/redis-run.test.ts); GAMEDAY_AGREE_ALL=1 takes them in here too
    const all = process.env['GAMEDAY_AGREE_ALL'] === '1';
    const elsewhere = all
      ? undefined
      : /^provider:\s*docker\b/m.test(text)
        ? 'it runs on docker, covered by its own end-to-end test'
        : needsEtcd
          ? "etcd's game days run in test/etcd-run.test.ts"
          : file.endsWith('-pinned.yaml')
            ? 'it is a pinned copy of another experiment, covered by its own end-to-end test'
            : everyRun.includes(file)
              ? undefined
              : `the default runs ${everyRun.join(', ')} only, to keep CI within minutes`;
    const skip = elsewhere
      ? `${file}: ${elsewhere} (GAMEDAY_AGREE_ALL=1 runs it here too)`
      : needsEtcd && etcdMissing()
        ? `${etcdMissing()}: install etcd-server (Debian) to run ${file}`
        : needsRedis && redisMissing()
          ? `${redisMissing()}: install redis-server and redis-sentinel (Debian) to run ${file}`
          : false;
    test(`${file} seed ${seed}: the summary and gameday review agree on every fault`, { skip, timeout: 240_000 }, async () => {
      const out = join(mkdtempSync(join(tmpdir(), 'gameday-agree-')), 'run');
      const r = await gameday(['run', `experiments/${file}`, '--seed', String(seed), '--out', out, '--quiet'], { env });
      assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
      const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as RunResult;
      const rv = await gameday(['review', out]);
      const alarms = result.checks.find((c) => c.name === 'alarms');
      assert.ok(alarms, 'check alarms ran');
      assert.equal(rv.code, alarms.verdict === 'pass' ? 0 : 1, `review exit ${rv.code}, check alarms ${alarms.verdict}\n${rv.stdout}`);
      assert.ok(result.faults.length > 0, 'faults were injected');
      for (const f of result.faults) {
        const inSummary = r.stdout.split('\n').find((l) => l.trimStart().startsWith(`${f.id} `) && l.includes(' first error '));
        const inReview = rv.stdout.split('\n').find((l) => new RegExp(`^ {2}(ok {4}|MISSED) ${f.id} `).test(l));
        assert.ok(inSummary?.includes(f.outcomeText), `summary line for ${f.id} says "${f.outcomeText}": ${inSummary}`);
        assert.ok(inReview?.includes(f.outcomeText), `review line for ${f.id} says "${f.outcomeText}": ${inReview}\n${rv.stdout}`);
      }
      const problems = (alarms as { problems?: string[] }).problems ?? [];
      for (const p of problems) assert.ok(rv.stdout.includes(p), `review names "${p}"`);
      tally.push(
        `${file} seed ${seed}: ${result.verdict} (${result.checks.map((c) => `${c.name} ${c.verdict}`).join(', ')}; faults ${result.faults.map((f) => `${f.id} ${f.alarmOutcome}`).join(', ')})`,
      );
    });
  }
}

test.after(() => {
  if (process.env['GAMEDAY_AGREE_TALLY']) writeFileSync(process.env['GAMEDAY_AGREE_TALLY'], tally.join('\n') + '\n');
});
