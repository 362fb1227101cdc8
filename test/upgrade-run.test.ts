// test: game-days (runs local game days; see test/run-tests.mjs)
// End to end: a rolling upgrade of the reference cluster's storage nodes onto build
// v2 and back (the heal: a downgrade), under canary traffic. Every node ran v2 and
// then v1 again, v2 wrote its own WAL format, and every check holds across the mixed
// versions.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { FaultRecord } from '../harness/faults/journal.ts';
import type { Op } from '../harness/history/op.ts';
import type { RunResult } from '../harness/runner/result.ts';
import { gameday } from './cli.ts';
import { lines } from './run-folder.ts';

const env = { GAMEDAY_STATE_DIR: join(tmpdir(), 'gameday-e2e-state') };

test('a rolling upgrade to v2 and back: each storage node restarts onto v2, then v1; canaries keep running; every check holds', {
  timeout: 150_000,
}, async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'gameday-upgrade-')), 'run');
  const r = await gameday(['run', 'test/fixtures/short-rolling-upgrade.yaml', '--seed', '4', '--out', out, '--quiet', '--json'], { env });
  assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout.slice(0, 3000)}\n${r.stderr.slice(-2000)}`);
  const result = JSON.parse(r.stdout) as RunResult;
  assert.equal(result.verdict, 'pass', result.checks.map((c) => `${c.name}: ${c.verdict} ${c.summary}`).join('\n'));
  const faults = lines<FaultRecord>(join(out, 'faults.ndjson'));
  assert.deepEqual(
    faults.map((f) => [f.event, f.kind, f.error]),
    [
      ['inject', 'upgrade', undefined],
      ['heal', 'upgrade', undefined],
    ],
  );
  const storage = ['az1-store-1', 'az1-store-2', 'az2-store-1', 'az2-store-2', 'az3-store-1', 'az3-store-2'];
  for (const n of storage) {
    const starts = [...readFileSync(join(out, 'nodes', n, 'node.log'), 'utf8').matchAll(/listening on \S+ \(build (v\d)\)/g)].map((m) => m[1]);
    assert.deepEqual(starts, ['v1', 'v2', 'v1'], `${n} started on ${starts.join(', ')}`);
    // what v2 wrote is in its own format, and v1 read it back on the downgrade (the replicas agree)
    const wals = readdirSync(join(out, 'nodes', n, 'data')).filter((f) => f.endsWith('.wal'));
    assert.ok(
      wals.some((w) => /"sum":"[0-9a-f]{12}"/.test(readFileSync(join(out, 'nodes', n, 'data', w), 'utf8'))),
      `${n}: no v2 line in its WAL`,
    );
  }
  // the canaries kept running through it: acknowledged writes in every second of the roll (inject to heal)
  const [inj, heal] = faults as [FaultRecord, FaultRecord];
  const acked = lines<Op>(join(out, 'history.ndjson')).filter((o) => o.type === 'ok' && !o.final && o.f !== 'read');
  for (let t = inj.time - (inj.tookMs ?? 0); t + 1000 < heal.time; t += 1000) {
    assert.ok(
      acked.some((o) => o.time >= t && o.time < t + 1000),
      `no write acknowledged from +${Math.round(t)} ms for 1 s during the roll`,
    );
  }
});
