// The no-toxic fast path reads into reused buffers: bytes must still arrive
// intact and in order, in bulk, in both directions, and across switches
// between the fast path and the toxic chain in the middle of a transfer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Toxiproxy } from 'toxiproxy-node-client';
import { startToxiproxyServer } from './server.ts';
import { connectTo, portOf, readBytes, sleep, startEcho } from './test-support.ts';

test('8 MB of random bytes echo back intact through the proxy, on 4 connections, with a slow reader', async () => {
  await using echo = await startEcho();
  await using srv = await startToxiproxyServer({ seed: 1 });
  const p = await new Toxiproxy(srv.url).createProxy({ name: 'p', listen: '127.0.0.1:0', upstream: echo.address });
  await Promise.all(
    [0, 1, 2, 3].map(async () => {
      const payload = randomBytes(8 << 20);
      const s = await connectTo(portOf(p.listen));
      for (let off = 0; off < payload.length; off += 300_000) s.write(payload.subarray(off, off + 300_000));
      // not reading yet: the proxy's writes back to us back up and stay pending
      await sleep(300);
      assert.ok((await readBytes(s, payload.length, 60_000)).equals(payload), 'echoed bytes differ');
      s.destroy();
    }),
  );
});

test('bytes stay intact while toxics come and go during a transfer', async () => {
  await using echo = await startEcho();
  await using srv = await startToxiproxyServer({ seed: 1 });
  const p = await new Toxiproxy(srv.url).createProxy({ name: 'p', listen: '127.0.0.1:0', upstream: echo.address });
  const payload = randomBytes(4 << 20);
  const s = await connectTo(portOf(p.listen));
  const back = readBytes(s, payload.length, 60_000);
  let off = 0;
  const writer = (async () => {
    while (off < payload.length) {
      s.write(payload.subarray(off, off + 64_000));
      off += 64_000;
      await sleep(1);
    }
  })();
  for (let i = 0; i < 6; i++) {
    const t = await p.addToxic({
      name: `sl${i}`,
      type: 'slicer',
      stream: i % 2 ? 'upstream' : 'downstream',
      toxicity: 1,
      attributes: { average_size: 5000, size_variation: 1000, delay: 0 },
    });
    await sleep(15);
    await t.remove();
    await sleep(15);
  }
  await writer;
  assert.ok((await back).equals(payload), 'echoed bytes differ');
  s.destroy();
});
