// test: alone (runs game days or containers; see test/run-tests.mjs)
// The run's fault proxy on Docker: the docker cluster with its links interposed
// through a fault-proxy container, driven by the fault layer's ProxyNet. Latency on
// the links of one AZ slows exactly those links (node → node and gateway → node),
// its toxics are listed by the proxy's API and gone after the heal; a partition is
// a blackhole there; stop() leaves nothing of the run. The address check of the
// run's proxy API runs without Docker.

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkRunProxyUrl, ProxyNet } from '../../faults/links.ts';
import type { NetPlan } from '../../schedule/net-plan.ts';
import { DockerProvider } from './docker-provider.ts';
import { leftovers } from './heal.ts';
import { readJournal } from './journal.ts';
import { faultProxyContainerName, LABEL_RUN } from './names.ts';
import { dockerCli, run } from './runtime.ts';
import { dockerSkipReason, newRunId, probe } from './fixtures/probe.ts';
import { testTarget } from './fixtures/test-target.ts';

const bench = (what: string, ms: number): void => console.log(`# bench docker: ${what}: ${ms.toFixed(0)} ms`);

test('the run proxy API must sit in the run network (a private range); other hosts are refused', () => {
  assert.equal(checkRunProxyUrl('http://172.18.0.25:8474', '172.18.0.0/16').host, '172.18.0.25:8474');
  assert.equal(checkRunProxyUrl('http://192.168.96.30:8474', '192.168.96.0/20').hostname, '192.168.96.30');
  for (const [url, subnet] of [
    ['http://172.19.0.25:8474', '172.18.0.0/16'], // another network
    ['http://10.0.0.1:8474', '172.18.0.0/16'],
    ['http://example.com:8474', '172.18.0.0/16'],
    ['http://8.8.8.8:8474', '8.8.8.0/24'], // a subnet that is not private
    ['https://172.18.0.25:8474', '172.18.0.0/16'],
    ['http://172.18.0.25:8474', 'nonsense'],
  ] as const) {
    assert.throws(() => checkRunProxyUrl(url, subnet), /fault proxy/, `${url} in ${subnet}`);
  }
  const net = new ProxyNet({ toxiproxyUrl: 'http://127.0.0.1:8474' });
  return assert.rejects(
    net.interposeRunProxy({ url: 'http://172.18.0.25:8474', subnet: '172.18.0.0/16' }, new Map(), testTarget.topology({})),
    /already given/,
  );
});

/** How long n`from` takes to call n`to` (through its peer URL), from inside the node. */
async function peer(url: string, to: string, timeoutMs = 3_000): Promise<{ ok: boolean; ms: number; error?: string }> {
  const r = await probe(`${url}/peer?to=${to}&timeoutMs=${timeoutMs}`, timeoutMs + 2_000);
  assert.ok(r.ok, `peer call answered: ${JSON.stringify(r)}`);
  return JSON.parse(r.body) as { ok: boolean; ms: number; error?: string };
}

async function timedProbe(url: string, timeoutMs = 3_000): Promise<number> {
  const t0 = performance.now();
  const r = await probe(`${url}/health`, timeoutMs);
  assert.ok(r.ok && r.status === 200, `${url}: ${JSON.stringify(r)}`);
  return performance.now() - t0;
}

async function toxicNames(api: string): Promise<string[]> {
  const res = await fetch(`${api}/proxies`, { signal: AbortSignal.timeout(3_000) });
  const body = (await res.json()) as Record<string, { toxics: { name: string }[] }>;
  return Object.values(body).flatMap((p) => p.toxics.map((t) => t.name));
}

test('docker: links through the run fault proxy; latency on exactly the chosen links, healed; partitions as toxics', { timeout: 90_000 }, async (t) => {
  const skip = await dockerSkipReason();
  if (skip) return void t.skip(skip);
  const runId = newRunId('fp');
  const runDir = mkdtempSync(join(tmpdir(), 'gameday-docker-fp-'));
  const net = new ProxyNet({ seed: 7, prefix: `gameday-${runId}` });
  const provider = new DockerProvider({ faultProxy: { seed: 7, interpose: (api, up, topo) => net.interposeRunProxy(api, up, topo) } });
  const t0 = performance.now();
  const cluster = await provider.start(testTarget, testTarget.topology({}), { runDir, runId });
  bench('cluster start with the fault proxy (3 nodes + 3 gateways + proxy)', performance.now() - t0);
  try {
    const fp = cluster.faultProxy;
    assert.ok(fp, 'the cluster has its fault proxy');
    assert.deepEqual(readJournal(runDir)?.faultProxy, { container: fp.container, ip: fp.ip, api: fp.api }, 'journaled');
    const labels = JSON.parse((await run(dockerCli(), ['inspect', '--format', '{{json .Config.Labels}}', faultProxyContainerName(runId)])).stdout) as Record<
      string,
      string
    >;
    assert.equal(labels[LABEL_RUN], runId);
    assert.equal(net.proxyCount, 3 * 2 + 3 * 3, 'node → node and canary:<az> → public node');

    const n1 = cluster.url('n1');
    const n2 = cluster.url('n2');
    assert.ok((await peer(n1, 'n2')).ok, 'n1 reaches n2 through the proxy');
    const base = (await peer(n1, 'n2')).ms;
    const plan: NetPlan = {
      sides: [['n1'], ['n2', 'n3']],
      azSides: [['az-a'], ['az-b', 'az-c']],
      toxic: 'latency',
      attributes: { latency: 300, jitter: 0 },
      direction: 'both',
      stream: 'both',
    };

    const ta = performance.now();
    const added = await net.apply('f1', plan);
    bench('apply latency on az-a ↔ others (toxics)', performance.now() - ta);
    assert.equal(added, 2 * (2 + 2 + 2 + 2), 'both streams of n1 ↔ n2, n3 and canary:az-b, az-c → n1, canary:az-a → n2, n3');
    assert.equal((await toxicNames(fp.api)).filter((n) => n.startsWith('f1-')).length, added);
    const slow = await peer(n1, 'n2');
    assert.ok(slow.ok && slow.ms >= 550, `n1 → n2 under 300 ms each way: ${slow.ms} ms`);
    const back = await peer(n2, 'n1');
    assert.ok(back.ok && back.ms >= 550, `n2 → n1: ${back.ms} ms`);
    const other = await peer(n2, 'n3');
    assert.ok(other.ok && other.ms < 250, `n2 → n3 untouched: ${other.ms} ms`);
    assert.ok((await timedProbe(cluster.url('n1', 'az-b'))) >= 550, 'az-b canaries → n1 slowed');
    assert.ok((await timedProbe(cluster.url('n1', 'az-a'))) < 250, 'az-a canaries → n1 (own AZ) untouched');

    const th = performance.now();
    await net.heal('f1');
    bench('heal latency (remove toxics)', performance.now() - th);
    assert.deepEqual(await toxicNames(fp.api), [], 'no toxic left after the heal');
    const healed = await peer(n1, 'n2');
    assert.ok(healed.ok && healed.ms < Math.max(250, base + 200), `n1 → n2 after the heal: ${healed.ms} ms`);

    await net.apply('p1', {
      sides: [['n1'], ['n2', 'n3']],
      azSides: [['az-a'], ['az-b', 'az-c']],
      toxic: 'timeout',
      attributes: { timeout: 0 },
      direction: 'both',
      stream: 'both',
    });
    const cut = await peer(n2, 'n1', 500);
    assert.ok(!cut.ok && cut.error === 'timeout', `n2 → n1 blackholed: ${JSON.stringify(cut)}`);
    assert.ok((await peer(n2, 'n3')).ok, 'n2 → n3 still flows');
    await net.heal('p1');
    assert.ok((await peer(n2, 'n1')).ok, 'n2 → n1 flows again');
  } finally {
    await cluster.stop();
    await net.close();
  }
  assert.deepEqual(await leftovers(runId), { containers: [], networks: [] }, 'nothing of the run is left');
});
