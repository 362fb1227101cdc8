// test: game-days (runs local game days; see test/run-tests.mjs)
// Game days on processes the user runs on this machine: three etcd members started
// here by a script of the user's kind (it backgrounds etcd and writes its pid file),
// named in the experiment with their endpoints, pid files and that script as the
// power-on command. A game day with power-offs and a cut of the canaries' links
// passes every check etcd promises and leaves every member running; a harness
// SIGKILLed while a member is off is healed by `gameday heal` (the member is started
// again); bad nodes are exit 2 with nothing touched. Skipped, saying why, without etcd.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { RunResult } from '../harness/runner/result.ts';
import { freePort } from '../harness/providers/ports.ts';
import { etcdMissing } from '../targets/etcd/target.ts';
import { gameday, repoRoot } from './cli.ts';

const missing = etcdMissing();
const skip = missing ? `${missing}: install etcd-server (Debian)` : false;
const dir = mkdtempSync(join(tmpdir(), 'gameday-processes-'));
const env = { GAMEDAY_STATE_DIR: join(tmpdir(), 'gameday-e2e-processes-state') };
const ids = ['etcd-1', 'etcd-2', 'etcd-3'];
const pidFile = (id: string): string => join(dir, id, 'pid');
const pidOf = (id: string): number => Number(readFileSync(pidFile(id), 'utf8').trim());
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};
const ports: Record<string, { client: number; peer: number }> = {};

after(() => {
  for (const id of ids) {
    try {
      process.kill(pidOf(id), 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

const experiment = (faults: string, nodes?: string): string => `title: etcd members run by the user, as processes
provider:
  name: processes
  nodes:
${nodes ?? ids.map((id, i) => `    - { id: ${id}, az: az${i + 1}, endpoint: "http://127.0.0.1:${ports[id]?.client}", pid-file: ${pidFile(id)}, power-on: [sh, ${join(dir, id, 'start.sh')}], ready-path: /health }`).join('\n')}
target: { name: etcd }
phases: { baseline: 3s, chaos: 14s, recovery: 8s }
canaries: { rate: 10, keys: 20, timeout: 2500ms }
faults:
${faults}
alarms: { window: 3s, error-rate: 0.2, clear-rate: 0.1, min-requests: 5 }
`;

test("processes: three etcd members started by the user's own script", { skip, timeout: 60_000 }, async () => {
  for (const id of ids) ports[id] = { client: await freePort('127.0.0.1'), peer: await freePort('127.0.0.1') };
  const cluster = ids.map((id) => `${id}=http://127.0.0.1:${ports[id]?.peer}`).join(',');
  for (const id of ids) {
    const home = join(dir, id);
    mkdirSync(home, { recursive: true });
    const p = ports[id]!;
    // what a user's start script does: start the program in the background, write its pid file
    writeFileSync(
      join(home, 'start.sh'),
      `etcd --name ${id} --data-dir ${home}/data --listen-client-urls http://127.0.0.1:${p.client} --advertise-client-urls http://127.0.0.1:${p.client} --listen-peer-urls http://127.0.0.1:${p.peer} --initial-advertise-peer-urls http://127.0.0.1:${p.peer} --initial-cluster ${cluster} --initial-cluster-state new --heartbeat-interval 100 --election-timeout 1000 --pre-vote=true >>${home}/etcd.log 2>&1 &\necho $! > ${pidFile(id)}\n`,
    );
    assert.equal(spawnSync('sh', [join(home, 'start.sh')]).status, 0);
  }
  for (const id of ids) assert.ok(alive(pidOf(id)), `${id} runs`);
});

test("processes: power-offs and a cut of the canaries' links on them; every check passes and every member runs afterwards", {
  skip,
  timeout: 180_000,
}, async () => {
  const file = join(dir, 'game-day.yaml');
  writeFileSync(
    file,
    experiment(
      '  - { kind: power-off, target: random-node, start: 1s, every: 5s, count: 2, hold: 2s }\n  - { kind: partition, shape: isolate-az, target: az:az3, start: 10s, count: 1, hold: 3s }',
    ),
  );
  const before = ids.map(pidOf);
  const out = join(dir, 'run');
  const r = await gameday(['run', file, '--seed', '4', '--out', out, '--quiet'], { env });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as RunResult;
  assert.equal(result.provider, 'processes');
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
  assert.match(result.warnings.join('\n'), /provider processes: network faults cut and slow the canaries' links only/);
  const offs = result.faults.filter((f) => f.kind === 'power-off');
  assert.equal(offs.length, 2);
  for (const f of offs) {
    const i = ids.indexOf(f.nodes[0] ?? '');
    assert.ok(!alive(before[i] ?? 0), `${f.nodes[0]}'s old process was killed`);
  }
  for (const id of ids) assert.ok(alive(pidOf(id)), `${id} runs again`);
});

test('processes: a harness SIGKILLed while a member is powered off; gameday heal starts it again', { skip, timeout: 120_000 }, async () => {
  const file = join(dir, 'crash.yaml');
  writeFileSync(file, experiment('  - { kind: power-off, target: node:etcd-2, start: 500ms, count: 1, hold: 10s }'));
  const old = pidOf('etcd-2');
  const out = join(dir, 'run-crash');
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'harness/cli/main.ts'), 'run', file, '--seed', '6', '--out', out, '--quiet'], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: 'ignore',
  });
  const deadline = Date.now() + 60_000;
  while (alive(old) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
  assert.ok(!alive(old), 'etcd-2 was powered off');
  child.kill('SIGKILL');
  await new Promise((res) => child.once('exit', res));
  const h = await gameday(['heal'], { env });
  assert.equal(h.code, 0, `${h.stdout}\n${h.stderr}`);
  assert.match(h.stdout, /"restarted":\["etcd-2"\]/);
  const now = pidOf('etcd-2');
  assert.ok(now !== old && alive(now), 'etcd-2 runs again, a new process');
  for (const id of ids) assert.ok(alive(pidOf(id)), `${id} runs`);
});

test('processes: a pid file that names no running process, or an endpoint off loopback, is exit 2 with nothing touched', {
  skip,
  timeout: 60_000,
}, async () => {
  const file = join(dir, 'bad.yaml');
  writeFileSync(
    file,
    experiment(
      '  - { kind: power-off, target: random-node, start: 1s, count: 1, hold: 2s }',
      [
        `    - { id: a, az: az1, endpoint: "http://127.0.0.1:${ports['etcd-1']?.client}", pid-file: ${join(dir, 'nope.pid')}, power-on: [sh, x] }`,
        `    - { id: b, az: az2, endpoint: "http://10.1.2.3:2379", pid-file: ${pidFile('etcd-2')}, power-on: [sh, x] }`,
      ].join('\n'),
    ),
  );
  const out = join(dir, 'run-bad');
  const r = await gameday(['run', file, '--out', out, '--quiet'], { env });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /provider\.nodes\[0\]\.pid-file: .*nope\.pid holds no pid\n {4}fix: start the node first/);
  assert.match(r.stderr, /provider\.nodes\[1\]\.endpoint: http:\/\/10\.1\.2\.3:2379 is not an http:\/\/ address with a port on loopback/);
  assert.equal(existsSync(out), false);
  for (const id of ids) assert.ok(alive(pidOf(id)), `${id} untouched`);
});
