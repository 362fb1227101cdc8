// The native forwarder (native.ts, native/forward.c) carries a connection while
// no toxic applies to it, and hands it back when one does. What must hold: the
// hand-over happens (else the figures measure something else), bytes survive
// it in both directions, in order, with what was in flight at the moment of
// the hand-back; a FIN already passed on stays passed on; toxicity decides
// per connection as on the JavaScript path; disabling a proxy closes what the
// forwarder carries; and nothing is left in the forwarder afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { once } from 'node:events';
import { Toxiproxy } from 'toxiproxy-node-client';
import { loadForwarder, type Forwarder, type Released } from './native.ts';
import { startToxiproxyServer, type StartedToxiproxyServer } from './server.ts';
import { connectTo, nothingWithin, portOf, readBytes, readToClose, roundTrip, sleep, startEcho } from './test-support.ts';

async function forwarder(): Promise<Forwarder> {
  const f = await loadForwarder();
  assert.ok('forwarder' in f, `native forwarder unavailable: ${'reason' in f ? f.reason : ''}`);
  return f.forwarder;
}

async function until(what: string, ok: () => boolean, ms = 5_000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) assert.fail(`timed out waiting for: ${what}`);
    await sleep(10);
  }
}

const conns = (srv: StartedToxiproxyServer) => srv.proxies.get('p').connections();

/** The embedded server with native I/O and one proxy "p" in front of `upstream`; disposing closes the server. */
async function nativeProxy(upstream: string, seed = 1) {
  const srv = await startToxiproxyServer({ seed, io: 'native' });
  const p = await new Toxiproxy(srv.url).createProxy({ name: 'p', listen: '127.0.0.1:0', upstream });
  return { srv, p, [Symbol.asyncDispose]: () => srv.close() };
}

/** Round trips on `s` (an echo's client) until the proxy has handed its connection to the forwarder; how many it took. */
async function handedOver(srv: StartedToxiproxyServer, s: Socket): Promise<number> {
  for (let i = 1; i <= 5; i++) {
    await roundTrip(s);
    if (conns(srv).find((c) => c.isNative)) return i;
  }
  return assert.fail('not handed to the forwarder after 5 round trips');
}

/** Records what each release handed back. */
function spyReleases(f: Forwarder): { released: Released[]; restore: () => void } {
  const released: Released[] = [];
  const original = f.release.bind(f);
  f.release = (id: number) => {
    const r = original(id);
    if (r) released.push(r);
    return r;
  };
  return { released, restore: () => (f.release = original) };
}

test('a connection with no toxic is carried by the forwarder: 8 MB each way on 4 connections arrive intact', async () => {
  const f = await forwarder();
  await using echo = await startEcho();
  await using px = await nativeProxy(echo.address);
  const { srv, p } = px;
  const base = f.live();
  const sockets = await Promise.all([0, 1, 2, 3].map(() => connectTo(portOf(p.listen))));
  for (const s of sockets) for (let i = 0; i < 3; i++) await roundTrip(s);
  await sleep(20);
  assert.equal(f.live() - base, 4, 'connections in the forwarder');
  assert.ok(conns(srv).every((c) => c.isNative));
  await Promise.all(
    sockets.map(async (s) => {
      const payload = randomBytes(8 << 20);
      const back = readBytes(s, payload.length, 60_000);
      for (let off = 0; off < payload.length; off += 1 << 20) s.write(payload.subarray(off, off + (1 << 20)));
      assert.ok((await back).equals(payload), 'echoed bytes differ');
    }),
  );
  for (const s of sockets) s.end();
  await until('the forwarder lets go of ended connections', () => f.live() === base && conns(srv).length === 0);
});

test('a toxic taking a connection back mid-transfer gets the bytes in flight first: nothing lost, reordered or doubled', async () => {
  const f = await forwarder();
  const spy = spyReleases(f);
  try {
    await using echo = await startEcho();
    await using px = await nativeProxy(echo.address);
    const { srv, p } = px;
    const s = await connectTo(portOf(p.listen));
    await handedOver(srv, s);
    const payload = randomBytes(16 << 20);
    // the client does not read yet: the echo's answers back up into the forwarder's buffers
    s.pause();
    for (let off = 0; off < payload.length; off += 1 << 20) s.write(payload.subarray(off, off + (1 << 20)));
    await sleep(300);
    await p.addToxic({ name: 'lat', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 1, jitter: 0 } });
    assert.equal(conns(srv)[0]?.isNative, false, 'still in the forwarder after a toxic that applies');
    assert.equal(spy.released.length, 1);
    const r = spy.released[0]!;
    const inFlight = (r.pendingUp?.length ?? 0) + (r.pendingDown?.length ?? 0);
    assert.ok(inFlight > 0, 'nothing was in flight at the hand-back: this test would not test it');
    s.resume();
    const back = await readBytes(s, payload.length, 20_000);
    assert.ok(back.equals(payload), `echoed bytes differ (${inFlight} bytes were in flight at the hand-back)`);
    s.destroy();
  } finally {
    spy.restore();
  }
});

test('a FIN the forwarder passed on stays passed on after the hand-back; the upstream still answers, then its FIN arrives', async () => {
  await forwarder();
  // echoes, and answers "bye" 200 ms after the client's FIN, then ends
  const upstream = createServer({ allowHalfOpen: true, noDelay: true }, (sock) => {
    sock.on('data', (b: Buffer) => sock.write(b));
    sock.on('end', () => setTimeout(() => sock.end('bye'), 200));
    sock.on('error', () => {});
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  try {
    await using px = await nativeProxy(`127.0.0.1:${(upstream.address() as AddressInfo).port}`);
    const { srv, p } = px;
    const s = await connectTo(portOf(p.listen));
    await handedOver(srv, s);
    const closed = readToClose(s);
    s.end();
    await sleep(50); // the FIN is through the forwarder; the answer is not yet sent
    await p.addToxic({ name: 'lat', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 5, jitter: 0 } });
    assert.equal(conns(srv)[0]?.isNative, false);
    const r = await closed;
    assert.equal(r.how, 'end');
    assert.equal(r.data.toString(), 'bye');
    await until('the connection is gone from the proxy', () => conns(srv).length === 0);
  } finally {
    upstream.close();
  }
});

test('toxicity decides per connection: a toxic that does not apply leaves the connection in the forwarder', async () => {
  await forwarder();
  await using echo = await startEcho();
  await using px = await nativeProxy(echo.address);
  const { srv, p } = px;
  const s = await connectTo(portOf(p.listen));
  await handedOver(srv, s);
  await p.addToxic({ name: 'never', type: 'latency', stream: 'upstream', toxicity: 0, attributes: { latency: 1000 } });
  assert.equal(conns(srv)[0]?.isNative, true, 'a toxic with toxicity 0 took the connection back');
  assert.ok((await roundTrip(s)) < 500, 'a toxic with toxicity 0 delayed bytes');
  s.destroy();
});

test('a partition on a connection the forwarder carries holds its bytes (no refusal, no reset), and a new connection opened during it hangs', async () => {
  await forwarder();
  await using echo = await startEcho();
  await using px = await nativeProxy(echo.address);
  const { srv, p } = px;
  const s = await connectTo(portOf(p.listen));
  await handedOver(srv, s);
  await p.addToxic({ name: 'cut', type: 'timeout', stream: 'upstream', toxicity: 1, attributes: { timeout: 0 } });
  let ended = false;
  s.on('close', () => (ended = true));
  s.write(Buffer.alloc(64, 1));
  assert.equal(await nothingWithin(s, 400), true, 'bytes crossed the cut');
  assert.equal(ended, false, 'the connection was closed instead of held');
  const late = await connectTo(portOf(p.listen));
  late.write(Buffer.alloc(64, 2));
  assert.equal(await nothingWithin(late, 300), true, 'a new connection crossed the cut');
  s.destroy();
  late.destroy();
});

test('disabling a proxy closes the connections the forwarder carries, and the forwarder lets go of them', async () => {
  const f = await forwarder();
  await using echo = await startEcho();
  await using px = await nativeProxy(echo.address);
  const { p } = px;
  const base = f.live();
  const sockets: Socket[] = await Promise.all([0, 1, 2].map(() => connectTo(portOf(p.listen))));
  for (const s of sockets) for (let i = 0; i < 3; i++) await roundTrip(s);
  await sleep(20);
  assert.equal(f.live() - base, 3);
  const closed = sockets.map((s) => readToClose(s, 5_000));
  await p.update({ enabled: false, listen: p.listen, upstream: p.upstream });
  for (const r of await Promise.all(closed)) assert.notEqual(r.how, 'timeout', 'a client was not closed');
  assert.equal(f.live(), base, 'the forwarder still holds connections of a disabled proxy');
});

test('once the toxics are gone, a connection goes back to the forwarder', async () => {
  await forwarder();
  await using echo = await startEcho();
  await using px = await nativeProxy(echo.address);
  const { srv, p } = px;
  const s = await connectTo(portOf(p.listen));
  await handedOver(srv, s);
  const t = await p.addToxic({ name: 'lat', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 30, jitter: 0 } });
  assert.equal(conns(srv)[0]?.isNative, false);
  assert.ok((await roundTrip(s)) >= 30, 'the latency toxic did not delay the round trip');
  await t.remove();
  await handedOver(srv, s);
  assert.ok((await roundTrip(s)) < 30);
  s.destroy();
});

test('half-close and resets pass through the forwarder as through the event loop', async () => {
  const f = await forwarder();
  const upstreamSaw: string[] = [];
  // echoes; a 0xff byte makes it reset; the client's FIN gets "bye" and a FIN
  const upstream = createServer({ allowHalfOpen: true, noDelay: true }, (sock) => {
    sock.on('data', (b: Buffer) => (b.includes(0xff) ? sock.resetAndDestroy() : sock.write(b)));
    sock.on('end', () => sock.end('bye'));
    sock.on('error', (e: NodeJS.ErrnoException) => upstreamSaw.push(e.code ?? 'error'));
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  try {
    await using px = await nativeProxy(`127.0.0.1:${(upstream.address() as AddressInfo).port}`);
    const { srv, p } = px;
    const base = f.live();

    const a = await connectTo(portOf(p.listen));
    await handedOver(srv, a);
    const aClosed = readToClose(a);
    a.end(Buffer.alloc(10_000, 1));
    const ra = await aClosed;
    assert.equal(ra.how, 'end');
    assert.equal(ra.data.length, 10_003);
    assert.equal(ra.data.subarray(10_000).toString(), 'bye');

    const b = await connectTo(portOf(p.listen));
    await handedOver(srv, b);
    const bClosed = readToClose(b);
    b.write(Buffer.from([0xff]));
    assert.equal((await bClosed).how, 'ECONNRESET');

    const c = await connectTo(portOf(p.listen));
    await handedOver(srv, c);
    c.resetAndDestroy();
    await until('the upstream sees the reset', () => upstreamSaw.includes('ECONNRESET'));
    await until('the forwarder lets go', () => f.live() === base && conns(srv).length === 0);
  } finally {
    upstream.close();
  }
});

test('bytes stay intact on 8 connections while toxics come and go and connections move to and from the forwarder', async () => {
  const f = await forwarder();
  let adopted = 0;
  const adopt = f.adopt.bind(f);
  f.adopt = (a, b, cb) => {
    adopted++;
    return adopt(a, b, cb);
  };
  const spy = spyReleases(f);
  try {
    await using echo = await startEcho();
    await using px = await nativeProxy(echo.address, 7);
    const { p } = px;
    let stop = false;
    const churn = (async () => {
      for (let i = 0; !stop; i++) {
        const t = await p.addToxic({
          name: `t${i}`,
          type: i % 3 === 0 ? 'slicer' : 'latency',
          stream: i % 2 ? 'upstream' : 'downstream',
          toxicity: 1,
          attributes: i % 3 === 0 ? { average_size: 3000, size_variation: 1000, delay: 0 } : { latency: 1, jitter: 1 },
        });
        await sleep(10 + (i % 4) * 5);
        await t.remove();
        await sleep(20 + (i % 3) * 10);
      }
    })();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        const s = await connectTo(portOf(p.listen));
        for (let round = 0; round < 12; round++) {
          const payload = randomBytes(64 * 1024 + Math.floor(Math.random() * 256 * 1024));
          const back = readBytes(s, payload.length, 30_000);
          for (let off = 0; off < payload.length; off += 16_384) s.write(payload.subarray(off, off + 16_384));
          assert.ok((await back).equals(payload), `round ${round}: echoed bytes differ`);
          await roundTrip(s); // small exchanges between bulk: chances to hand over
          await roundTrip(s);
        }
        s.destroy();
      }),
    );
    stop = true;
    await churn;
    assert.ok(adopted >= 8, `only ${adopted} hand-overs to the forwarder: the test did not exercise them`);
    assert.ok(spy.released.length >= 4, `only ${spy.released.length} hand-backs: the test did not exercise them`);
  } finally {
    f.adopt = adopt;
    spy.restore();
  }
});
