// test: alone (runs game days or containers; see test/run-tests.mjs)
// End-to-end on Docker: a 3-AZ cluster of the test node program in containers.
// Skipped with the reason when Docker (or nsenter + iptables) is not usable here.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { azParties, cutLinks, healAllLinks, healLinks, healOwner, isolate } from './partition.ts';
import { DockerProvider } from './docker-provider.ts';
import { leftovers } from './heal.ts';
import { containerName, chainName, gatewayId, LABEL_AZ, LABEL_NODE, LABEL_RUN } from './names.ts';
import { hasChain } from './netns.ts';
import { stateOf } from './container.ts';
import { dockerCli, run } from './runtime.ts';
import { dockerPs, dockerSkipReason, newRunId, probe } from './fixtures/probe.ts';
import { testTarget } from './fixtures/test-target.ts';

const bench = (what: string, ms: number): void => console.log(`# bench docker: ${what}: ${ms.toFixed(0)} ms`);

test('docker provider: a 3-AZ cluster in containers', { timeout: 90_000 }, async (t) => {
  const skip = await dockerSkipReason();
  if (skip) return void t.skip(skip);
  const runId = newRunId('dp');
  const runDir = mkdtempSync(join(tmpdir(), 'gameday-docker-'));
  const t0 = performance.now();
  const cluster = await new DockerProvider().start(testTarget, testTarget.topology({}), { runDir, runId });
  bench('cluster start (3 nodes + 3 gateways, images cached or built)', performance.now() - t0);
  try {
    await t.test('every node answers, directly and through each AZ gateway; containers carry the run labels', async () => {
      for (const n of cluster.topology.nodes) {
        for (const from of [undefined, ...cluster.topology.azs]) {
          const r = await probe(`${cluster.url(n.id, from)}/identity`);
          assert.ok(r.ok && JSON.parse(r.body).id === n.id, `${n.id} from ${from ?? 'host'}: ${JSON.stringify(r)}`);
        }
      }
      const r = await run(dockerCli(), ['inspect', '--format', '{{json .Config.Labels}}', containerName(runId, 'n2')]);
      const labels = JSON.parse(r.stdout) as Record<string, string>;
      assert.equal(labels[LABEL_RUN], runId);
      assert.equal(labels[LABEL_NODE], 'n2');
      assert.equal(labels[LABEL_AZ], 'az-b');
      assert.ok(existsSync(join(runDir, 'docker-state.json')));
    });

    await t.test('power-off kills the container; power-on brings it back on the same data', async () => {
      const before = JSON.parse(((await probe(`${cluster.url('n2')}/identity`)) as { body: string }).body);
      const t1 = performance.now();
      await cluster.powerOff('n2');
      let gone = performance.now() - t1;
      while ((await dockerPs(containerName(runId, 'n2'))).length > 0 && performance.now() - t1 < 2_000) gone = performance.now() - t1;
      bench('power-off decision → container gone from docker ps', gone);
      assert.deepEqual(await dockerPs(containerName(runId, 'n2')), [], 'container still running 2 s after power-off');
      assert.equal(cluster.isUp('n2'), false);
      const dead = await probe(`${cluster.url('n2')}/health`, 1_500);
      assert.ok(!dead.ok, 'a powered-off node answered');
      console.log(`# a powered-off node's address: ${dead.error} after ${dead.ms.toFixed(0)} ms`);
      const t2 = performance.now();
      await cluster.powerOn('n2');
      bench('power-on → ready', performance.now() - t2);
      const after = JSON.parse(((await probe(`${cluster.url('n2')}/identity`)) as { body: string }).body);
      assert.equal(after.identity, before.identity, 'data dir lost across the power cycle');
      assert.equal(after.boots, before.boots + 1);
      assert.ok(existsSync(join(runDir, 'nodes', 'n2', 'data', 'identity')), 'data not under <runDir>/nodes/n2/data');
    });

    await t.test('pause freezes the node (requests time out), resume thaws it', async () => {
      await cluster.pause!('n3');
      assert.equal((await stateOf(await handleOf('n3'))).paused, true);
      const frozen = await probe(`${cluster.url('n3')}/health`, 500);
      assert.ok(!frozen.ok && frozen.error === 'timeout', JSON.stringify(frozen));
      await cluster.resume!('n3');
      assert.ok((await probe(`${cluster.url('n3')}/health`)).ok);
    });

    await t.test('a partition drops packets (timeouts, not refusals), survives a power cycle, and heals', async () => {
      const cut = await cutLinks(cluster, [
        { from: 'n1', to: 'n2' },
        { from: gatewayId('az-a'), to: 'n2' },
      ]);
      bench('apply partition (2 pairs, both ways)', cut.ms);
      const across = JSON.parse(((await probe(`${cluster.url('n1')}/peer?to=n2&timeoutMs=800`, 3_000)) as { body: string }).body);
      assert.deepEqual([across.ok, across.error], [false, 'timeout']);
      const other = JSON.parse(((await probe(`${cluster.url('n1')}/peer?to=n3`)) as { body: string }).body);
      assert.equal(other.ok, true, 'n1 → n3 was cut too');
      const canaryA = await probe(`${cluster.url('n2', 'az-a')}/health`, 800);
      assert.ok(!canaryA.ok && canaryA.error === 'timeout', `az-a canary reached n2: ${JSON.stringify(canaryA)}`);
      assert.ok((await probe(`${cluster.url('n2', 'az-c')}/health`)).ok, 'az-c canary was cut off');
      await cluster.powerOff('n2');
      await cluster.powerOn('n2');
      const still = JSON.parse(((await probe(`${cluster.url('n1')}/peer?to=n2&timeoutMs=800`, 3_000)) as { body: string }).body);
      assert.equal(still.error, 'timeout', 'the cut did not survive the power cycle of n2');
      const half = await healLinks(cluster, [{ from: 'n1', to: 'n2' }]);
      assert.deepEqual(half.cut.map((l) => `${l.from}>${l.to}`).sort(), ['gw:az-a>n2', 'n2>gw:az-a']);
      const healed = await healAllLinks(cluster);
      bench('heal partition', healed.ms);
      assert.equal((await healAllLinks(cluster)).cut.length, 0, 'heal is not idempotent');
      const back = JSON.parse(((await probe(`${cluster.url('n1')}/peer?to=n2`)) as { body: string }).body);
      assert.equal(back.ok, true);
      assert.ok((await probe(`${cluster.url('n2', 'az-a')}/health`)).ok);
    });

    await t.test('cutting an AZ off cuts its canaries off too; inside the AZ they still reach its nodes', async () => {
      const change = await cutLinks(cluster, isolate(cluster, azParties(cluster, 'az-a')));
      bench(`isolate one AZ (${change.cut.length} directed links)`, change.ms);
      assert.ok((await probe(`${cluster.url('n1', 'az-a')}/health`)).ok, 'az-a canary lost its own AZ');
      const out = await probe(`${cluster.url('n2', 'az-a')}/health`, 600);
      assert.ok(!out.ok && out.error === 'timeout', JSON.stringify(out));
      const inward = await probe(`${cluster.url('n1', 'az-b')}/health`, 600);
      assert.ok(!inward.ok && inward.error === 'timeout', JSON.stringify(inward));
      assert.ok((await probe(`${cluster.url('n3', 'az-b')}/health`)).ok, 'az-b → az-c was cut');
      assert.ok((await probe(`${cluster.url('n1')}/health`)).ok, 'the harness itself (host) must keep its view');
      assert.equal((await healAllLinks(cluster)).cut.length, 0);
    });

    await t.test('cuts held by two faults compose; reject answers with a refusal', async () => {
      await cutLinks(cluster, [{ from: 'n1', to: 'n3' }], { owner: 'f1' });
      await cutLinks(cluster, [{ from: 'n1', to: 'n3' }], { owner: 'f2' });
      await healOwner(cluster, 'f1');
      const held = JSON.parse(((await probe(`${cluster.url('n1')}/peer?to=n3&timeoutMs=500`, 3_000)) as { body: string }).body);
      assert.equal(held.error, 'timeout', 'healing f1 healed f2 as well');
      await healOwner(cluster, 'f2');
      assert.equal(JSON.parse(((await probe(`${cluster.url('n1')}/peer?to=n3`)) as { body: string }).body).ok, true);
      await cutLinks(cluster, [{ from: 'n1', to: 'n3' }], { reject: true, owner: 'f3' });
      const refused = JSON.parse(((await probe(`${cluster.url('n1')}/peer?to=n3&timeoutMs=1000`, 3_000)) as { body: string }).body);
      // a new connection is refused; a kept-alive one is reset: either way no timeout
      assert.ok(['refused', 'ECONNRESET'].includes(refused.error) && refused.ms < 500, JSON.stringify(refused));
      assert.equal((await healOwner(cluster, 'f3')).cut.length, 0);
    });

    await t.test('a paused node can be powered off and comes back', async () => {
      await cluster.pause!('n3');
      await cluster.powerOff('n3');
      assert.deepEqual(await dockerPs(containerName(runId, 'n3')), []);
      await cluster.powerOn('n3');
      assert.ok((await probe(`${cluster.url('n3')}/health`)).ok);
    });

    await t.test('one-way cut: n1 → n3 dropped, n3 → n1 still open', async () => {
      await healAllLinks(cluster);
      await cutLinks(cluster, [{ from: 'n1', to: 'n3' }], true);
      const forward = JSON.parse(((await probe(`${cluster.url('n1')}/peer?to=n3&timeoutMs=600`, 3_000)) as { body: string }).body);
      assert.equal(forward.error, 'timeout');
      // TCP needs both directions, so look at the rules: only n3 drops (packets from n1), n1 drops nothing
      const rules = async (id: string): Promise<string> =>
        (await run('nsenter', ['-t', String((await stateOf(await handleOf(id))).pid), '-n', 'iptables', '-w', '-S', chainName(runId)])).stdout;
      assert.match(await rules('n3'), new RegExp(`-s ${cluster.party('n1').ip.replaceAll('.', '\\.')}/32 -j DROP`));
      assert.doesNotMatch(await rules('n1'), /DROP/);
      assert.equal((await healAllLinks(cluster)).cut.length, 0);
    });
  } finally {
    const pids = await Promise.all(cluster.topology.nodes.map(async (n) => (await stateOf(await handleOf(n.id))).pid));
    const t3 = performance.now();
    await cluster.stop();
    bench('stop (remove 6 containers + network)', performance.now() - t3);
    await cluster.stop(); // idempotent
    const left = await leftovers(runId);
    assert.deepEqual(left, { containers: [], networks: [] }, 'the run left containers or networks behind');
    for (const pid of pids) if (pid > 0) assert.equal(await hasChain(pid, chainName(runId)).catch(() => false), false);
    const host = await run('iptables', ['-w', '-S']);
    assert.ok(!host.stdout.includes(chainName(runId)), 'a chain of the run is on the host');
    assert.ok(readFileSync(join(runDir, 'nodes', 'n1', 'node.log'), 'utf8').includes('listening'), 'node log not kept');
  }

  async function handleOf(id: string) {
    return cluster.party(id).handle;
  }
});
