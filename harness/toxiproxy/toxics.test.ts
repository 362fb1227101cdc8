// Each toxic's effect on real loopback traffic, observed from a client of the
// proxy. Lower bounds are strict (the fault must be there); upper bounds are
// generous, for a loaded 2-core machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Toxiproxy, type Proxy } from 'toxiproxy-node-client';
import { startToxiproxyServer } from './server.ts';
import { connectTo, nothingWithin, portOf, readBytes, readToClose, roundTrip, sleep, startEcho, startSender, type Upstream } from './test-support.ts';

async function setup(upstream: Upstream): Promise<{ proxy: Proxy; port: number; close: () => Promise<void> }> {
  const srv = await startToxiproxyServer({ seed: 7 });
  const proxy = await new Toxiproxy(srv.url).createProxy({ name: 'p', listen: '127.0.0.1:0', upstream: upstream.address });
  return { proxy, port: portOf(proxy.listen), close: () => srv.close() };
}

test('latency adds at least the configured delay, per direction, on open connections too', async (t) => {
  await using echo = await startEcho();
  const { proxy, port, close } = await setup(echo);
  t.after(close);
  const s = await connectTo(port);
  const before = await roundTrip(s);
  const down = await proxy.addToxic({ name: 'down', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 120, jitter: 0 } });
  const withDown = await roundTrip(s);
  assert.ok(withDown >= 120, `round trip ${withDown.toFixed(1)} ms >= 120 ms with downstream latency`);
  await proxy.addToxic({ name: 'up', type: 'latency', stream: 'upstream', toxicity: 1, attributes: { latency: 80, jitter: 40 } });
  const both = await roundTrip(s);
  assert.ok(both >= 120 + 40, `round trip ${both.toFixed(1)} ms >= 160 ms with both (80 ± 40 upstream)`);
  assert.ok(both < 5_000);
  await down.remove();
  await (await proxy.getToxic('up')).remove();
  const after = await roundTrip(s);
  assert.ok(after < 100, `latency gone after removal (${after.toFixed(1)} ms, before ${before.toFixed(1)} ms)`);
  s.destroy();
});

test('blackhole (timeout 0): accepted, nothing flows, held data arrives after the heal', async (t) => {
  await using echo = await startEcho();
  const { proxy, port, close } = await setup(echo);
  t.after(close);
  const open = await connectTo(port);
  await roundTrip(open);
  const hole = await proxy.addToxic({ name: 'bh', type: 'timeout', stream: 'upstream', toxicity: 1, attributes: { timeout: 0 } });
  const fresh = await connectTo(port); // accepted, not refused
  fresh.write('hello');
  open.write('world');
  assert.equal(await nothingWithin(fresh, 600), true, 'new connection hangs');
  assert.equal(await nothingWithin(open, 100), true, 'open connection hangs too');
  assert.equal(fresh.destroyed || open.destroyed, false, 'connections stay open');
  const late = readBytes(fresh, 5);
  const lateOpen = readBytes(open, 5);
  await hole.remove();
  assert.equal(String(await late), 'hello');
  assert.equal(String(await lateOpen), 'world');
  fresh.destroy();
  open.destroy();
});

test('timeout > 0 drops data and closes the connection after the timeout', async (t) => {
  await using echo = await startEcho();
  const { proxy, port, close } = await setup(echo);
  t.after(close);
  await proxy.addToxic({ name: 'to', type: 'timeout', stream: 'downstream', toxicity: 1, attributes: { timeout: 300 } });
  const t0 = performance.now();
  const s = await connectTo(port);
  const closed = readToClose(s);
  s.write('dropped');
  const r = await closed;
  assert.equal(r.data.length, 0, 'no data got through');
  assert.ok(r.at - t0 >= 290, `closed after ${(r.at - t0).toFixed(0)} ms`);
});

test('reset_peer resets the connection: the client sees ECONNRESET', async (t) => {
  await using echo = await startEcho();
  const { proxy, port, close } = await setup(echo);
  t.after(close);
  await proxy.addToxic({ name: 'rp', type: 'reset_peer', stream: 'downstream', toxicity: 1, attributes: { timeout: 100 } });
  const t0 = performance.now();
  const s = await connectTo(port);
  const closed = readToClose(s);
  s.write('ping');
  const r = await closed;
  assert.equal(r.how, 'ECONNRESET');
  assert.ok(r.at - t0 >= 95, `reset after its timeout (${(r.at - t0).toFixed(0)} ms)`);
});

test('bandwidth caps throughput at the configured rate', async (t) => {
  const payload = Buffer.alloc(100_000, 1);
  await using sender = await startSender(payload);
  const { proxy, port, close } = await setup(sender);
  t.after(close);
  const free = await readToClose(await connectTo(port));
  assert.equal(free.data.length, payload.length);
  await proxy.addToxic({ name: 'bw', type: 'bandwidth', stream: 'downstream', toxicity: 1, attributes: { rate: 200 } });
  const t0 = performance.now();
  const capped = await readToClose(await connectTo(port));
  const ms = capped.at - t0;
  assert.equal(capped.data.length, payload.length, 'every byte arrives');
  // 100 KB at 200 KB/s = 500 ms; the first 100 ms slice may go out at once
  assert.ok(ms >= 390, `100 KB at 200 KB/s took ${ms.toFixed(0)} ms`);
  assert.ok(ms < 10_000);
});

test('limit_data closes the connection after exactly N bytes', async (t) => {
  await using sender = await startSender(Buffer.alloc(10_000, 2));
  const { proxy, port, close } = await setup(sender);
  t.after(close);
  await proxy.addToxic({ name: 'ld', type: 'limit_data', stream: 'downstream', toxicity: 1, attributes: { bytes: 1234 } });
  const r = await readToClose(await connectTo(port));
  assert.equal(r.data.length, 1234);
  assert.notEqual(r.how, 'timeout');
});

test('slicer splits data into small delayed pieces, bytes intact', async (t) => {
  const payload = Buffer.from(Array.from({ length: 200 }, (_, i) => i));
  await using sender = await startSender(payload);
  const { proxy, port, close } = await setup(sender);
  t.after(close);
  const whole = await readToClose(await connectTo(port));
  assert.ok(whole.chunks <= 2, `without the toxic the 200 bytes come in ${whole.chunks} chunk(s)`);
  await proxy.addToxic({ name: 'sl', type: 'slicer', stream: 'downstream', toxicity: 1, attributes: { average_size: 20, size_variation: 5, delay: 10_000 } });
  const t0 = performance.now();
  const sliced = await readToClose(await connectTo(port));
  assert.deepEqual(sliced.data, payload, 'bytes intact and in order');
  assert.ok(sliced.chunks >= 5, `200 bytes in ${sliced.chunks} pieces`);
  // at least 200/25 = 8 pieces, 7 gaps of 10 ms
  assert.ok(sliced.at - t0 >= 65, `slices are spaced (${(sliced.at - t0).toFixed(0)} ms)`);
});

test('slow_close delays the close after the last byte', async (t) => {
  await using sender = await startSender(Buffer.from('bye'));
  const { proxy, port, close } = await setup(sender);
  t.after(close);
  await proxy.addToxic({ name: 'sc', type: 'slow_close', stream: 'downstream', toxicity: 1, attributes: { delay: 400 } });
  const s = await connectTo(port);
  let firstByte = 0;
  s.once('data', () => (firstByte = performance.now()));
  const r = await readToClose(s);
  assert.equal(String(r.data), 'bye');
  assert.ok(firstByte > 0);
  assert.ok(r.at - firstByte >= 390, `closed ${(r.at - firstByte).toFixed(0)} ms after the data`);
});

test('toxics added while data is held apply in order; removing all returns to the fast path', async (t) => {
  await using echo = await startEcho();
  const { proxy, port, close } = await setup(echo);
  t.after(close);
  const s = await connectTo(port);
  await proxy.addToxic({ name: 'lat', type: 'latency', stream: 'upstream', toxicity: 1, attributes: { latency: 50, jitter: 0 } });
  const pending = readBytes(s, 3000);
  for (let i = 0; i < 30; i++) s.write(Buffer.alloc(100, i));
  await sleep(10);
  await (await proxy.getToxic('lat')).remove();
  const got = await pending;
  for (let i = 0; i < 30; i++) assert.equal(got[i * 100], i, `chunk ${i} in order`);
  assert.ok((await roundTrip(s)) < 1000);
  s.destroy();
});
