import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { capabilities, type Finding } from './doctor.ts';

const machine = (ok: Record<string, boolean>): Finding[] =>
  ['node', 'docker', 'nsenter+iptables', 'image tools', 'k6', 'toxiproxy'].map((name) => ({ name, ok: ok[name] ?? true, detail: '' }));

test('no Docker daemon: docker provider and its faults cannot run, local still can', () => {
  const c = capabilities(machine({ docker: false }));
  assert.deepEqual(
    c.providers.map((p) => [p.name, p.ok]),
    [
      ['local', true],
      ['docker', false],
      ['attach', false],
    ],
  );
  assert.ok(c.faults.find((f) => f.provider === 'docker')!.faults.every((f) => !f.ok || f.name === 'k6 load'));
  assert.match(c.providers[1]!.how, /no Docker daemon/);
});

test('Docker without root: containers run, namespace partitions do not', () => {
  const c = capabilities(machine({ 'nsenter+iptables': false }));
  const docker = c.faults.find((f) => f.provider === 'docker')!.faults;
  assert.equal(docker.find((f) => f.name === 'power-off')!.ok, true);
  assert.equal(docker.find((f) => f.name === 'partition')!.ok, false);
});

test('`gameday doctor --json` exits 0 and names every provider', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'harness/cli/main.ts', 'doctor', '--json'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { providers: { name: string }[] };
  assert.deepEqual(
    report.providers.map((p) => p.name),
    ['local', 'docker', 'attach'],
  );
});

test('built-in targets: each says whether its programs are here, and how to install them when not', () => {
  const found = [
    ...machine({}),
    { name: 'etcd', ok: true, detail: 'found on PATH' },
    { name: 'redis', ok: false, detail: 'no redis-server on PATH (Debian: apt-get install redis-server redis-sentinel)' },
  ];
  const c = capabilities(found);
  assert.deepEqual(
    c.targets.map((t) => [t.name, t.ok]),
    [
      ['reference', true],
      ['etcd', true],
      ['redis', false],
      ['http', true],
    ],
  );
  assert.match(c.targets[2]!.how, /^no: no redis-server on PATH \(Debian: apt-get install redis-server redis-sentinel\)/);
  assert.match(c.targets[1]!.how, /experiments\/etcd-power-off\.yaml/);
});

test('built-in targets on docker: partitions where docker and namespace rights are there, said when not', () => {
  const programs = [
    { name: 'etcd', ok: true, detail: 'found on PATH' },
    { name: 'redis', ok: true, detail: 'found on PATH' },
  ];
  const all = capabilities([...machine({ node: true, docker: true, 'image tools': true, 'nsenter+iptables': true }), ...programs]);
  assert.match(all.targets[1]!.how, /on docker: also gameday run experiments\/etcd-partition\.yaml/);
  assert.match(all.targets[2]!.how, /on docker: also gameday run experiments\/redis-partition\.yaml/);
  const noRights = capabilities([...machine({ node: true, docker: true, 'image tools': true, 'nsenter+iptables': false }), ...programs]);
  assert.match(noRights.targets[1]!.how, /on docker: power-off and pause \(no rights for partitions\)/);
  const noDocker = capabilities([...machine({ node: true, docker: false }), ...programs]);
  assert.match(noDocker.targets[2]!.how, /not on docker \(no Docker daemon\)/);
});
