// The proxy layer on its own: which links a partition cuts (canaries follow their
// AZ, a bridge node keeps both sides, one-way cuts one stream), and real traffic
// through a proxy hanging under a blackhole and flowing again after the heal.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { test } from 'node:test';
import { buildTopology } from '../../targets/reference/layout.ts';
import { urlOf, type Address } from '../providers/provider.ts';
import type { NetPlan } from '../schedule/net-plan.ts';
import { checkToxiproxyUrl, ProxyNet } from './links.ts';

const topo = buildTopology();
const ids = topo.nodes.map((n) => n.id);
const inAz = (az: string): string[] => topo.nodes.filter((n) => n.az === az).map((n) => n.id);
const cut = (sides: [string[], string[]], extra: Partial<NetPlan> = {}): NetPlan => ({
  sides,
  toxic: 'timeout',
  attributes: { timeout: 0 },
  direction: 'both',
  stream: 'both',
  ...extra,
});

async function withNet(fn: (net: ProxyNet, listen: Map<string, Address>) => Promise<void>): Promise<void> {
  const server = createServer((_req, res) => res.end('pong'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const listen = new Map(ids.map((id) => [id, { host: '127.0.0.1', port }]));
  const net = new ProxyNet({ seed: 1 });
  try {
    await fn(net, listen);
  } finally {
    await net.close();
    server.close();
  }
}

test('an AZ partition cuts exactly the links that cross it, canaries with their AZ; the harness dials direct', async () => {
  await withNet(async (net, listen) => {
    const links = await net.hook(listen, topo);
    assert.equal(net.proxyCount, 9 * 8 + 3 * 3);
    assert.deepEqual(links.dial('harness', 'az1-store-1'), listen.get('az1-store-1'));
    assert.notEqual(links.dial('canary:az1', 'az2-router-1').port, listen.get('az2-router-1')?.port);
    const az1 = inAz('az1');
    const hit = net.affected({ ...cut([az1, ids.filter((i) => !az1.includes(i))]), azSides: [['az1'], ['az2', 'az3']] });
    const pairs = new Set(hit.map((h) => `${h.link.from}>${h.link.to}`));
    assert.equal(hit.length, 2 * pairs.size, 'both streams');
    // 3 az1 nodes → 6 others, 6 others → 3 az1 nodes, canary:az1 → 2 routers, 2 canaries → az1's router
    assert.equal(pairs.size, 18 + 18 + 2 + 2);
    assert.ok(pairs.has('canary:az1>az2-router-1') && pairs.has('canary:az2>az1-router-1'));
    assert.ok(!pairs.has('canary:az1>az1-router-1') && !pairs.has('az2-router-1>az3-store-1') && !pairs.has('az1-router-1>az1-store-1'));
  });
});

test('one-way: only what side A sends is lost; a bridge node keeps both sides', async () => {
  await withNet(async (net, listen) => {
    await net.hook(listen, topo);
    const a = ['az1-store-1'];
    const rest = ids.filter((i) => i !== 'az1-store-1');
    const ow = net.affected(cut([a, rest], { direction: 'a-to-b' }));
    for (const h of ow) assert.equal(h.stream, h.link.from === 'az1-store-1' ? 'upstream' : 'downstream', `${h.link.from}>${h.link.to}`);
    assert.equal(ow.length, 8 + 8);
    const bridge = net.affected(
      cut([
        ['az1-store-1', 'az2-store-1'],
        ['az3-store-1', 'az2-store-1'],
      ]),
    );
    const pairs = bridge.map((h) => `${h.link.from}>${h.link.to}`);
    assert.ok(pairs.includes('az1-store-1>az3-store-1') && pairs.includes('az3-store-1>az1-store-1'));
    assert.ok(!pairs.some((p) => p.includes('az2-store-1')), 'the bridge node reaches both sides');
  });
});

test('a blackhole holds real traffic until the heal; reject resets it', async () => {
  await withNet(async (net, listen) => {
    const links = await net.hook(listen, topo);
    const url = `${urlOf(links.dial('canary:az1', 'az2-router-1'))}/`;
    assert.equal(await (await fetch(url)).text(), 'pong');
    const plan = { ...cut([inAz('az1'), [...inAz('az2'), ...inAz('az3')]]), azSides: [['az1'], ['az2', 'az3']] as [string[], string[]] };
    await net.apply('f1', plan);
    await assert.rejects(fetch(url, { signal: AbortSignal.timeout(400) }), /TimeoutError|aborted/i);
    await net.heal('f1');
    await net.heal('f1'); // idempotent
    assert.equal(await (await fetch(url, { signal: AbortSignal.timeout(2000) })).text(), 'pong');
    await net.apply('f2', { ...plan, toxic: 'reset_peer' });
    const t = performance.now();
    await assert.rejects(fetch(url, { signal: AbortSignal.timeout(2000) }), (e: Error) => !/TimeoutError/.test(String(e.name)));
    assert.ok(performance.now() - t < 1500, 'refused at once, not hanging');
    await net.heal('f2');
  });
});

test('--toxiproxy takes only loopback http URLs', () => {
  assert.equal(checkToxiproxyUrl('http://127.0.0.1:8474').port, '8474');
  assert.throws(() => checkToxiproxyUrl('http://10.0.0.5:8474'), /loopback/);
  assert.throws(() => checkToxiproxyUrl('https://localhost:8474'), /http/);
});
