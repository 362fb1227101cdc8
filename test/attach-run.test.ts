// test: alone (runs game days or containers; see test/run-tests.mjs)
// Game days on a cluster the user already runs: three etcd members started here with
// `docker run --label ...` on a network of their own (as docker compose would), an
// experiment with `provider: { name: attach, select: { label: ... }, port: 2379 }`.
// A power-off and a partition game day pass every check etcd promises, and afterwards
// every member is running, none carries the run's chain, nothing of gameday's is
// left; a harness SIGKILLed mid-fault is cleaned up by `gameday heal`; bad selections
// are exit 2 with nothing touched. Skipped, saying why, without Docker or etcd.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { dockerCli, dockerode, run } from '../harness/providers/docker/runtime.ts';
import { commandImage } from '../harness/providers/docker/image.ts';
import { chainName } from '../harness/providers/docker/names.ts';
import { hasChain } from '../harness/providers/docker/netns.ts';
import { dockerSkipReason } from '../harness/providers/docker/fixtures/probe.ts';
import type { RunResult } from '../harness/runner/result.ts';
import { etcdMissing } from '../targets/etcd/target.ts';
import { gameday, repoRoot } from './cli.ts';

const skip = (await dockerSkipReason()) ?? (etcdMissing() ? `${etcdMissing()}: install etcd-server (Debian)` : undefined);
const tag = Math.random().toString(36).slice(2, 8);
const net = `gdtest-etcd-${tag}`;
const names = [1, 2, 3].map((i) => `gdtest-${tag}-etcd-${i}`);
const docker = (...args: string[]) => run(dockerCli(), args, { timeoutMs: 60_000 });
const env = { GAMEDAY_STATE_DIR: join(tmpdir(), 'gameday-e2e-attach-state') };
const dir = mkdtempSync(join(tmpdir(), 'gameday-attach-run-'));

after(async () => {
  if (skip) return;
  for (const c of names) await docker('rm', '-f', c);
  await docker('network', 'rm', net);
});

const experiment = (
  faults: string,
  label = `gdtest.cluster=${tag}`,
  phases = '{ baseline: 3s, chaos: 12s, recovery: 8s }',
): string => `title: etcd members the user runs, attached
provider:
  name: attach
  select: { label: ${label} }
  port: 2379
target: { name: etcd }
phases: ${phases}
canaries: { rate: 10, keys: 20, timeout: 2500ms }
faults:
${faults}
alarms: { window: 3s, error-rate: 0.2, clear-rate: 0.1, min-requests: 5 }
`;

async function members(): Promise<{ running: boolean; paused: boolean; pid: number }[]> {
  const d = await dockerode();
  return Promise.all(
    names.map(async (n) => {
      const s = (await d.getContainer(n).inspect()).State;
      return { running: s.Running, paused: s.Paused, pid: s.Pid };
    }),
  );
}

async function assertAsFound(runId: string): Promise<void> {
  for (const [i, m] of (await members()).entries()) {
    assert.deepEqual([m.running, m.paused], [true, false], `${names[i]} runs`);
    assert.equal(await hasChain(m.pid, chainName(runId)), false, `${names[i]} has no chain of the run`);
  }
  const ours = await docker('ps', '-a', '-q', '--filter', `label=gameday.run=${runId}`);
  assert.equal(ours.stdout.trim(), '', 'no container of gameday is left');
  assert.equal((await docker('network', 'inspect', net)).code, 0, 'the user network is untouched');
}

test("attach: the user's etcd containers (docker run --label), started for the test", { skip: skip ?? false, timeout: 120_000 }, async () => {
  const image = (await commandImage('etcd')).tag;
  assert.equal((await docker('network', 'create', net)).code, 0);
  const cluster = names.map((n, i) => `etcd-${i + 1}=http://${n}:2380`).join(',');
  for (const [i, n] of names.entries()) {
    const r = await docker(
      'run',
      '-d',
      '--name',
      n,
      '--network',
      net,
      '--label',
      `gdtest.cluster=${tag}`,
      '--label',
      `gameday.az=az${i + 1}`,
      '--label',
      `gameday.node=etcd-${i + 1}`,
      image,
      '--name',
      `etcd-${i + 1}`,
      '--data-dir',
      '/tmp/etcd',
      '--listen-client-urls',
      'http://0.0.0.0:2379',
      '--advertise-client-urls',
      `http://${n}:2379`,
      '--listen-peer-urls',
      'http://0.0.0.0:2380',
      '--initial-advertise-peer-urls',
      `http://${n}:2380`,
      '--initial-cluster',
      cluster,
      '--initial-cluster-state',
      'new',
      '--heartbeat-interval',
      '100',
      '--election-timeout',
      '1000',
      '--pre-vote=true',
    );
    assert.equal(r.code, 0, r.stderr);
  }
});

{
  const faults =
    '  - { kind: power-off, target: random-node, start: 1s, count: 2, every: 4s, hold: 2s }\n  - { kind: partition, shape: isolate-node, target: random-node, start: 8500ms, count: 1, hold: 3s }';
  test('attach: a game day of power-offs and a partition on them passes every check etcd promises and leaves them as it found them', {
    skip: skip ?? false,
    timeout: 180_000,
  }, async () => {
    const file = join(dir, 'game-day.yaml');
    writeFileSync(file, experiment(faults));
    const out = join(dir, 'run-game-day');
    const r = await gameday(['run', file, '--seed', '5', '--out', out, '--quiet'], { env });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as RunResult;
    assert.equal(result.provider, 'attach');
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
    assert.deepEqual(
      result.faults.map((f) => f.kind),
      ['power-off', 'power-off', 'partition'],
    );
    assert.ok(
      result.faults.every((f) => f.healedAtMs !== null && f.firstErrorAfterMs !== null),
      JSON.stringify(result.faults),
    );
    await assertAsFound(result.runId);
  });
}

test('attach: a harness SIGKILLed while a member is powered off and another cut off; gameday heal brings them back', {
  skip: skip ?? false,
  timeout: 120_000,
}, async () => {
  const file = join(dir, 'crash.yaml');
  writeFileSync(
    file,
    experiment(
      '  - { kind: power-off, target: node:etcd-2, start: 500ms, count: 1, hold: 20s }\n  - { kind: partition, shape: isolate-node, target: node:etcd-3, start: 600ms, count: 1, hold: 20s }',
      undefined,
      '{ baseline: 2s, chaos: 30s, recovery: 5s }',
    ),
  );
  const out = join(dir, 'run-crash');
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'harness/cli/main.ts'), 'run', file, '--seed', '6', '--out', out, '--quiet'], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: 'ignore',
  });
  const deadline = Date.now() + 60_000;
  const injected = (): boolean =>
    existsSync(join(out, 'faults.ndjson')) &&
    readFileSync(join(out, 'faults.ndjson'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"inject"')).length >= 2;
  while (!injected() && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
  assert.ok(injected(), 'both faults were injected');
  child.kill('SIGKILL');
  await new Promise((res) => child.once('exit', res));
  const ms = await members();
  assert.equal(ms[1]?.running, false, 'etcd-2 is still powered off after the crash');
  const h = await gameday(['heal'], { env });
  assert.equal(h.code, 0, `${h.stdout}\n${h.stderr}`);
  const runId = (JSON.parse(readFileSync(join(out, 'docker-state.json'), 'utf8')) as { runId: string }).runId;
  await assertAsFound(runId);
});

test('attach: a label that matches nothing is exit 2, named with the fix, nothing started', { skip: skip ?? false, timeout: 60_000 }, async () => {
  const file = join(dir, 'nothing.yaml');
  writeFileSync(file, experiment('  - { kind: power-off, target: random-node, start: 1s, count: 1, hold: 2s }', 'gdtest.cluster=nope'));
  const out = join(dir, 'run-nothing');
  const r = await gameday(['run', file, '--out', out, '--quiet'], { env });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /provider\.select\.label: gdtest\.cluster=nope matches no container/);
  assert.match(r.stderr, /fix: start the cluster first/);
  assert.equal(existsSync(out), false);
});
