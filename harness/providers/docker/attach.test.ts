// test: alone (runs game days or containers; see test/run-tests.mjs)
// The attach provider on containers the test starts itself with `docker run --label`
// (as a user's compose project would be), plus a bystander on the same network that
// carries no selected label: discovery and its problems, canaries' gateways joined to
// the user's network, power-off / pause / cuts on the attached containers, and at the
// end (stop, or `gameday heal` after a crash) every attached container running, thawed,
// without the run's chain, the bystander and the network untouched, and nothing of
// gameday's left. Skipped with the reason when Docker (or nsenter + iptables) is not
// usable here.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { AttachProvider, discover, type AttachSpec, type Discovered } from './attach.ts';
import { stateOf } from './container.ts';
import { dockerode, dockerCli, run } from './runtime.ts';
import { healDockerRun, leftovers } from './heal.ts';
import { programImage } from './image.ts';
import { chainName } from './names.ts';
import { hasChain } from './netns.ts';
import { dockerSkipReason, newRunId, probe } from './fixtures/probe.ts';

const skip = await dockerSkipReason();
const tag = Math.random().toString(36).slice(2, 8);
const net = `gdtest-attach-${tag}`;
const label = `gdtest.cluster=${tag}`;
const made: string[] = [];
const docker = (...args: string[]) => run(dockerCli(), args, { timeoutMs: 60_000 });

async function userContainer(name: string, labels: Record<string, string>, image: string, peers: Record<string, string> = {}): Promise<void> {
  const r = await docker(
    'run',
    '-d',
    '--name',
    name,
    '--network',
    net,
    ...Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
    '-e',
    `GAMEDAY_NODE_CONFIG=${JSON.stringify({ id: name, listen: { host: '0.0.0.0', port: 8080 }, dataDir: '/tmp/data', peers })}`,
    image,
  );
  assert.equal(r.code, 0, r.stderr);
  made.push(name);
}
const started = async (name: string): Promise<{ running: boolean; paused: boolean; startedAt: string }> => {
  const s = (await (await dockerode()).getContainer(name).inspect()).State;
  return { running: s.Running, paused: s.Paused, startedAt: s.StartedAt };
};

after(async () => {
  if (skip) return;
  for (const c of made) await docker('rm', '-f', c);
  await docker('network', 'rm', net);
});

const spec: AttachSpec = { select: { label }, port: 8080, readyPath: '/health' };
let image = '';
const names = ['n1', 'n2', 'n3'].map((n) => `gdtest-${tag}-${n}`);
const peersOf = (i: number): Record<string, string> => Object.fromEntries(names.filter((_, j) => j !== i).map((n) => [n, `http://${n}:8080`]));

test('attach: discovery names every problem before anything is touched', { skip: skip ?? false, timeout: 120_000 }, async () => {
  assert.equal((await docker('network', 'create', '--label', `gdtest=${tag}`, net)).code, 0);
  image = (await programImage('test-node', 'harness/providers/docker/fixtures/test-node.ts')).tag;
  const none = await discover(spec);
  assert.ok('problems' in none);
  assert.match(none.problems[0]?.message ?? '', new RegExp(`${label} matches no container`));
  assert.match(none.problems[0]?.fix ?? '', /docker compose up -d/);
  for (const [i, n] of names.entries())
    await userContainer(n, { 'gdtest.cluster': tag, 'gameday.az': `az${i + 1}`, 'gameday.node': `n${i + 1}` }, image, peersOf(i));
  await userContainer(`gdtest-${tag}-bystander`, { other: 'yes' }, image);
  await userContainer(`gdtest-${tag}-noaz`, { 'gdtest.cluster': tag }, image);
  const noAz = await discover(spec);
  assert.ok('problems' in noAz);
  assert.match(noAz.problems.map((p) => p.message).join('\n'), new RegExp(`container gdtest-${tag}-noaz has no label gameday.az`));
  await docker('rm', '-f', `gdtest-${tag}-noaz`);
  await docker('stop', '-t', '0', names[2]!);
  const stopped = await discover({ ...spec, azs: ['az1', 'az2', 'az3', 'az4'] });
  assert.ok('problems' in stopped);
  const msgs = stopped.problems.map((p) => `${p.path}: ${p.message} (fix: ${p.fix})`).join('\n');
  assert.match(msgs, new RegExp(`container ${names[2]} is exited, not running, before the game day.*docker start`));
  assert.match(msgs, /provider\.azs: AZ az4 has no node/);
  await docker('start', names[2]!);
  assert.equal((await started(names[2]!)).running, true);
});

async function attachAndFault(runId: string, runDir: string): Promise<{ d: Discovered; cluster: Awaited<ReturnType<AttachProvider['start']>> }> {
  const d = await discover(spec);
  if ('problems' in d) throw new Error(JSON.stringify(d.problems));
  assert.deepEqual(
    d.topology.nodes.map((n) => `${n.id}@${n.az}`),
    ['n1@az1', 'n2@az2', 'n3@az3'],
  );
  const cluster = await new AttachProvider(spec, d).start(
    {
      name: 'attached',
      topology: () => d.topology,
      launch: () => {
        throw new Error('attach launches nothing');
      },
    },
    d.topology,
    { runDir, runId },
  );
  for (const n of d.topology.nodes) {
    const r = await probe(`${cluster.url(n.id, 'az1')}/health`);
    assert.ok(r.ok, `${n.id} through az1's gateway: ${JSON.stringify(r)}`);
  }
  await cluster.powerOff('n2');
  assert.equal((await started(names[1]!)).running, false, 'n2 was killed');
  await cluster.pause('n3');
  assert.equal((await started(names[2]!)).paused, true);
  await cluster.resume('n3');
  await cluster.hold('f1', [{ from: 'n1', to: 'n3' }]);
  const cut = JSON.parse(((await probe(`${cluster.url('n1')}/peer?to=${names[2]}&timeoutMs=800`, 3000)) as { body: string }).body) as {
    ok: boolean;
    error?: string;
  };
  assert.deepEqual([cut.ok, cut.error], [false, 'timeout'], 'n1 → n3 is cut');
  await cluster.pause('n3');
  return { d, cluster };
}

async function assertRestored(runId: string, bystanderStartedAt: string): Promise<void> {
  for (const n of names) {
    const s = await started(n);
    assert.deepEqual([s.running, s.paused], [true, false], `${n} is running again, thawed`);
    const { pid } = await stateOf((await dockerode()).getContainer(n));
    assert.equal(await hasChain(pid, chainName(runId)), false, `${n} has no chain of the run`);
  }
  assert.equal((await started(`gdtest-${tag}-bystander`)).startedAt, bystanderStartedAt, 'the bystander was never touched');
  assert.equal((await docker('network', 'inspect', net)).code, 0, 'the user network is still there');
  assert.deepEqual(await leftovers(runId), { containers: [], networks: [] }, 'nothing of gameday is left');
}

test("attach: power-off, pause and a cut on the user's containers; stop leaves them all running as found, and only gameday's gateways go", {
  skip: skip ?? false,
  timeout: 120_000,
}, async () => {
  const bystander = (await started(`gdtest-${tag}-bystander`)).startedAt;
  const runId = newRunId('at');
  const { cluster } = await attachAndFault(runId, mkdtempSync(join(tmpdir(), 'gameday-attach-')));
  await cluster.stop();
  await assertRestored(runId, bystander);
});

test('attach: after a harness crash mid-fault, gameday heal starts the killed container, thaws the paused one, removes the chain, and leaves them', {
  skip: skip ?? false,
  timeout: 120_000,
}, async () => {
  const bystander = (await started(`gdtest-${tag}-bystander`)).startedAt;
  const runId = newRunId('ah');
  const runDir = mkdtempSync(join(tmpdir(), 'gameday-attach-'));
  await attachAndFault(runId, runDir); // and never stopped: as if the harness died here
  const healed = await healDockerRun(runDir);
  assert.deepEqual(healed.errors, []);
  assert.deepEqual([...healed.restored].sort(), [names[1], names[2]].sort(), 'the killed and the paused container');
  assert.equal(healed.containersRemoved.length, 3, 'its three gateways');
  await assertRestored(runId, bystander);
  const again = await healDockerRun(runDir);
  assert.deepEqual([again.restored.length, again.containersRemoved.length], [0, 0], 'heal is idempotent');
});
