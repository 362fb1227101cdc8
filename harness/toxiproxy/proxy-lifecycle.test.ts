// Proxy life cycle and toxicity: disabling refuses new connections and cuts
// open ones; toxicity picks a seeded, repeatable share of connections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Toxiproxy } from 'toxiproxy-node-client';
import { startToxiproxyServer } from './server.ts';
import { connectTo, portOf, readToClose, roundTrip, startEcho, type Upstream } from './test-support.ts';

test('a disabled proxy refuses connections and closes open ones; enabling restores it', async () => {
  await using echo = await startEcho();
  await using srv = await startToxiproxyServer({ seed: 1 });
  const p = await new Toxiproxy(srv.url).createProxy({ name: 'p', listen: '127.0.0.1:0', upstream: echo.address });
  const port = portOf(p.listen);
  const open = await connectTo(port);
  await roundTrip(open);
  const closed = readToClose(open);
  await p.update({ enabled: false, listen: p.listen, upstream: p.upstream });
  assert.notEqual((await closed).how, 'timeout', 'open connection was cut');
  await assert.rejects(connectTo(port), { code: 'ECONNREFUSED' });
  await p.update({ enabled: true, listen: p.listen, upstream: p.upstream });
  const again = await connectTo(port);
  assert.ok((await roundTrip(again)) < 5_000);
  again.destroy();
});

test('an unreachable upstream closes the client connection', async () => {
  await using srv = await startToxiproxyServer({ seed: 1 });
  const echo = await startEcho();
  const dead = echo.address;
  await echo.close();
  const p = await new Toxiproxy(srv.url).createProxy({ name: 'p', listen: '127.0.0.1:0', upstream: dead });
  const s = await connectTo(portOf(p.listen));
  const r = await readToClose(s, 5_000);
  assert.notEqual(r.how, 'timeout');
  assert.equal(r.data.length, 0);
});

/** Which of `n` sequential connections a toxic with the given toxicity hit (limit_data 0 closes them at once). */
async function hitPattern(seed: number, echo: Upstream, toxicity: number, n: number): Promise<boolean[]> {
  await using srv = await startToxiproxyServer({ seed });
  const p = await new Toxiproxy(srv.url).createProxy({ name: 'p', listen: '127.0.0.1:0', upstream: echo.address });
  await p.addToxic({ name: 'cut', type: 'limit_data', stream: 'downstream', toxicity, attributes: { bytes: 0 } });
  const hits: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const s = await connectTo(portOf(p.listen));
    const r = readToClose(s, 10_000);
    s.write('x');
    // an unaffected connection echoes 'x' back; then we close it ourselves
    s.once('data', () => s.end());
    hits.push((await r).data.length === 0);
  }
  return hits;
}

test('toxicity hits about that share of connections, repeatably for a seed', async () => {
  await using echo = await startEcho();
  const n = 60;
  const a = await hitPattern(11, echo, 0.3, n);
  const b = await hitPattern(11, echo, 0.3, n);
  const c = await hitPattern(12, echo, 0.3, n);
  const share = a.filter(Boolean).length / n;
  assert.ok(share >= 0.12 && share <= 0.5, `share hit ${share} for toxicity 0.3`);
  assert.deepEqual(b, a, 'same seed, same connections hit');
  assert.notDeepEqual(c, a, 'another seed, another choice');
  assert.deepEqual(await hitPattern(11, echo, 1, 5), [true, true, true, true, true]);
  assert.deepEqual(await hitPattern(11, echo, 0, 5), [false, false, false, false, false]);
});
