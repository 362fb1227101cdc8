// test: alone (runs game days or containers; see test/run-tests.mjs)
// End to end on a real system: power-off game days on a 3-member etcd (Debian's
// etcd-server, a client and a peer port each) as local processes and in containers,
// and a partition game day in containers, pass every check etcd promises and leave no
// container behind; partitions of local members and link faults are refused before
// anything starts (exit 2). Skipped, saying why, where no etcd is on PATH (CI
// installs etcd-server), the docker ones also without a Docker daemon.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RunResult } from '../harness/runner/result.ts';
import { etcdMissing } from '../targets/etcd/target.ts';
import { dockerAvailable } from '../harness/providers/docker/runtime.ts';
import { gameday } from './cli.ts';

const missing = etcdMissing();
const skip = missing ? `${missing}: install etcd-server (Debian) to run the etcd game days` : false;
const env = { GAMEDAY_STATE_DIR: join(tmpdir(), 'gameday-e2e-state') };
const docker = await dockerAvailable();
const skipDocker = skip || (docker.ok ? false : `docker not available: ${docker.reason}`);
const leftOf = (runId: string, what: 'container' | 'network'): string =>
  execFileSync('/usr/bin/docker', [what, 'ls', ...(what === 'container' ? ['-a'] : []), '-q', '--filter', `label=gameday.run=${runId}`], {
    encoding: 'utf8',
  }).trim();
const tmp = (): string => mkdtempSync(join(tmpdir(), 'gameday-etcd-'));

test('etcd: members powered off under canary traffic, every check passes (no lost write, linearizable, members agree)', {
  skip,
  timeout: 180_000,
}, async () => {
  const out = join(tmp(), 'run');
  const r = await gameday(['run', 'experiments/etcd-power-off.yaml', '--seed', '1', '--duration', '22s', '--out', out, '--quiet'], { env });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as RunResult & {
    checks: { name: string; verdict: string; keysChecked?: number }[];
  };
  assert.equal(result.target.name, 'etcd');
  assert.deepEqual(
    result.checks.map((c) => [c.name, c.verdict]),
    [
      ['lost-writes', 'pass'],
      ['linearizable', 'pass'],
      ['replicas-agree', 'pass'],
      ['availability', 'pass'],
      ['alarms', 'pass'],
    ],
  );
  assert.ok((result.checks[0]?.keysChecked ?? 0) > 50, 'keys were written and read back');
  assert.ok(result.faults.length >= 2 && result.faults.every((f) => f.kind === 'power-off' && /^etcd-\d$/.test(f.nodes[0] ?? '') && f.healedAtMs !== null));
  // every power-off hurt the customers of that member's endpoint, and the alarm came
  assert.ok(
    result.faults.every((f) => f.alarmOutcome === 'alarm' || f.alarmOutcome === 'already-in-alarm'),
    JSON.stringify(result.faults.map((f) => f.outcomeText)),
  );
});

for (const [name, file, kind] of [
  ['power-off', 'experiments/etcd-power-off.yaml', 'power-off'],
  ['partition', 'experiments/etcd-partition.yaml', 'partition'],
] as const) {
  test(`etcd on docker: a ${name} game day (each member in its own container, an image of the host's etcd) passes every check and leaves nothing behind`, {
    skip: skipDocker,
    timeout: 240_000,
  }, async () => {
    const out = join(tmp(), 'run');
    const r = await gameday(
      ['run', file, '--provider', 'docker', '--seed', '4', ...(kind === 'power-off' ? ['--duration', '18s'] : []), '--out', out, '--quiet'],
      { env },
    );
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as RunResult;
    assert.equal(result.provider, 'docker');
    assert.deepEqual(
      result.checks.map((c) => [c.name, c.verdict]),
      [
        ['lost-writes', 'pass'],
        ['linearizable', 'pass'],
        ['replicas-agree', 'pass'],
        ['availability', 'pass'],
        ['alarms', 'pass'],
      ],
    );
    assert.ok(result.faults.length >= 2 && result.faults.every((f) => f.kind === kind && f.healedAtMs !== null), JSON.stringify(result.faults));
    // each cut or power-off hurt some customers, and an alarm came for it
    assert.ok(
      result.faults.every((f) => f.firstErrorAfterMs !== null && (f.alarmOutcome === 'alarm' || f.alarmOutcome === 'already-in-alarm')),
      JSON.stringify(result.faults.map((f) => f.outcomeText)),
    );
    assert.ok(existsSync(join(out, 'nodes', 'etcd-1', 'data', 'etcd', 'member')), 'the member kept its data in the run folder');
    assert.equal(leftOf(result.runId, 'container'), '', 'no container of the run is left');
    assert.equal(leftOf(result.runId, 'network'), '', 'no network of the run is left');
  });
}

test('etcd: a partition of local members is refused before anything starts, naming --provider docker', { skip, timeout: 60_000 }, async () => {
  const out = join(tmp(), 'run');
  const r = await gameday(['run', 'experiments/etcd-partition.yaml', '--provider', 'local', '--out', out, '--quiet'], { env });
  assert.equal(r.code, 2, r.stderr);
  assert.match(
    r.stderr,
    /faults: target etcd cannot take partitions on the local provider: they need the fault proxy on its links, and every etcd member must be given the same --initial-cluster peer URLs/,
  );
  assert.match(r.stderr, /fix: run it with --provider docker/);
  assert.equal(existsSync(out), false);
});

test('etcd: link faults (and --toxiproxy) are refused before anything starts, saying why', { skip, timeout: 60_000 }, async () => {
  const out = join(tmp(), 'run');
  const r = await gameday(['run', 'experiments/etcd-power-off.yaml', '--toxiproxy', 'http://127.0.0.1:8474', '--out', out, '--quiet'], { env });
  assert.equal(r.code, 2, r.stderr);
  assert.match(
    r.stderr,
    /--toxiproxy: target etcd cannot take --toxiproxy: they need the fault proxy on its links, and every etcd member must be given the same --initial-cluster peer URLs/,
  );
  assert.equal(existsSync(out), false);
});
