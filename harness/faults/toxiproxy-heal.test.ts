import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { startToxiproxyServer } from '../toxiproxy/server.ts';
import { removeRunProxies } from './toxiproxy-heal.ts';
import { Toxiproxy } from 'toxiproxy-node-client';

test('removeRunProxies removes only gameday-<runId>.* proxies', async (t) => {
  const server = await startToxiproxyServer({ host: '127.0.0.1', port: 0, seed: 1 });
  t.after(() => server.close());
  const api = new Toxiproxy(server.url);
  for (const name of ['gameday-r1.a.b', 'gameday-r1.c.d', 'gameday-r10.a.b', 'gameday-r2.a.b', 'mine']) {
    await api.createProxy({ name, listen: '127.0.0.1:0', upstream: '127.0.0.1:9' });
  }
  const r = await removeRunProxies(server.url, 'r1');
  assert.deepEqual(r.removed.sort(), ['gameday-r1.a.b', 'gameday-r1.c.d']);
  assert.deepEqual(Object.keys(await api.getAll()).sort(), ['gameday-r10.a.b', 'gameday-r2.a.b', 'mine']);
});

test('a Toxiproxy that is not running any more took its proxies with it', async () => {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  const r = await removeRunProxies(`http://127.0.0.1:${port}`, 'r1');
  assert.equal(r.gone, true);
  assert.equal(r.error, undefined);
});

test('a non-loopback Toxiproxy URL is refused', async () => {
  await assert.rejects(removeRunProxies('http://10.1.2.3:8474', 'r1'), /loopback/);
});
