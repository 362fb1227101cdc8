// Every I/O implementation of proxied connections (tcp.ts: the native forwarder,
// raw libuv handles and net.Socket) must behave alike where the raw one does its own bookkeeping:
// writes accepted before the upstream connection is up, half-close in each
// direction, resets passed on as resets, a refused upstream, graceful close by a
// toxic with data still queued, and no handle left behind after many connections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { Toxiproxy } from 'toxiproxy-node-client';
import { startToxiproxyServer } from './server.ts';
import { rawTcpAvailable } from './tcp-raw.ts';
import { defaultTcpIo, openTcp, type TcpIo } from './tcp.ts';
import { connectTo, portOf, readBytes, readToClose, roundTrip, sleep, startEcho } from './test-support.ts';

const openFds = (): number => readdirSync('/proc/self/fd').length;

test('the raw implementation is available on this Node; the native forwarder builds and is the default', async () => {
  assert.equal(rawTcpAvailable(), true, `raw TCP handles unavailable on Node ${process.version}`);
  if (process.env['GAMEDAY_PROXY_IO'] === undefined) {
    assert.equal(defaultTcpIo(), 'raw');
    const tcp = await openTcp();
    assert.equal(tcp.io, 'native', `not native: ${tcp.fallback ?? '?'}`);
  }
});

for (const io of ['native', 'raw', 'node'] as const satisfies readonly TcpIo[]) {
  const proxyTo = async (upstream: string): Promise<{ port: number; api: Toxiproxy; close: () => Promise<void> }> => {
    const srv = await startToxiproxyServer({ seed: 1, io });
    const api = new Toxiproxy(srv.url);
    const p = await api.createProxy({ name: 'p', listen: '127.0.0.1:0', upstream });
    return { port: portOf(p.listen), api, close: () => srv.close() };
  };
  /** A proxy in front of `upstream`, listening on a free loopback port; close() closes both. */
  const proxyToServer = async (upstream: Server): Promise<{ port: number; close: () => Promise<void> }> => {
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    const px = await proxyTo(`127.0.0.1:${(upstream.address() as AddressInfo).port}`);
    const close = async (): Promise<void> => {
      await px.close();
      upstream.close();
    };
    return { port: px.port, close };
  };

  test(`${io}: bytes written before the upstream connection is up arrive first and intact (upstream by name)`, async () => {
    await using echo = await startEcho();
    // "localhost" needs a lookup before the dial: the client's bytes arrive while connecting
    const px = await proxyTo(`localhost:${echo.port}`);
    try {
      const payload = randomBytes(200_000);
      const s = await connectTo(px.port);
      s.write(payload);
      assert.ok((await readBytes(s, payload.length)).equals(payload));
      s.destroy();
    } finally {
      await px.close();
    }
  });

  test(`${io}: small reads forwarded to a client that has stopped reading arrive intact (no read buffer reused too early)`, async () => {
    // 1000-byte writes, one per turn of the sender's loop: the proxy reads them one by one,
    // and once the client's buffers are full each forward stays queued while reading goes on
    const payload = randomBytes(6 << 20);
    const upstream = createServer((s) => {
      let off = 0;
      const next = (): void => {
        if (off >= payload.length) return void s.end();
        const ok = s.write(payload.subarray(off, off + 1000));
        off += 1000;
        if (ok) setImmediate(next);
        else s.once('drain', next);
      };
      next();
    });
    const px = await proxyToServer(upstream);
    try {
      const s = await connectTo(px.port);
      s.pause();
      await sleep(1500);
      const r = readToClose(s, 30_000);
      s.resume();
      const got = await r;
      assert.equal(got.data.length, payload.length);
      assert.ok(got.data.equals(payload), 'bytes differ: a read buffer was reused while a write still pointed into it');
    } finally {
      await px.close();
    }
  });

  test(`${io}: half-close passes through both ways: the client's FIN reaches the upstream, which still answers`, async () => {
    const got: Buffer[] = [];
    const upstream = createServer({ allowHalfOpen: true }, (s) => {
      s.on('data', (b: Buffer) => got.push(b));
      s.on('end', () => s.end(Buffer.from(`got ${Buffer.concat(got).length} bytes`)));
    });
    const px = await proxyToServer(upstream);
    try {
      const s = await connectTo(px.port);
      const closed = readToClose(s);
      s.end(Buffer.alloc(10_000, 1));
      const r = await closed;
      assert.equal(r.how, 'end');
      assert.equal(r.data.toString(), 'got 10000 bytes');
    } finally {
      await px.close();
    }
  });

  test(`${io}: an upstream reset reaches the client as ECONNRESET; a client reset reaches the upstream`, async () => {
    const upstreamSaw: string[] = [];
    let resetNext = true;
    const upstream = createServer((s) => {
      s.on('error', (e: NodeJS.ErrnoException) => upstreamSaw.push(e.code ?? 'error'));
      s.on('close', () => upstreamSaw.push('close'));
      if (resetNext) s.once('data', () => s.resetAndDestroy());
    });
    const px = await proxyToServer(upstream);
    try {
      const a = await connectTo(px.port);
      const aClosed = readToClose(a);
      a.write('x');
      assert.equal((await aClosed).how, 'ECONNRESET');

      resetNext = false;
      upstreamSaw.length = 0;
      const b = await connectTo(px.port);
      await sleep(50);
      b.resetAndDestroy();
      const t0 = Date.now();
      while (!upstreamSaw.includes('close') && Date.now() - t0 < 5_000) await sleep(10);
      assert.deepEqual(upstreamSaw, ['ECONNRESET', 'close']);
    } finally {
      await px.close();
    }
  });

  test(`${io}: a refused upstream closes the client at once, with nothing sent`, async () => {
    const gone = await startEcho();
    const address = gone.address;
    await gone.close();
    const px = await proxyTo(address);
    try {
      const s = await connectTo(px.port);
      s.write('hello');
      const r = await readToClose(s, 5_000);
      assert.notEqual(r.how, 'timeout');
      assert.equal(r.data.length, 0);
    } finally {
      await px.close();
    }
  });

  test(`${io}: limit_data closes gracefully after exactly N bytes, with a large write still queued`, async () => {
    await using echo = await startEcho();
    const px = await proxyTo(echo.address);
    try {
      await (await px.api.get('p')).addToxic({ name: 'lim', type: 'limit_data', stream: 'downstream', toxicity: 1, attributes: { bytes: 100_000 } });
      const s = await connectTo(px.port);
      const closed = readToClose(s);
      s.write(randomBytes(1 << 20));
      const r = await closed;
      assert.equal(r.how, 'end');
      assert.equal(r.data.length, 100_000);
    } finally {
      await px.close();
    }
  });

  test(`${io}: 300 connections opened, used and closed leave no connection and no file descriptor behind`, async () => {
    await using echo = await startEcho();
    const srv = await startToxiproxyServer({ seed: 1, io });
    try {
      const p = await new Toxiproxy(srv.url).createProxy({ name: 'p', listen: '127.0.0.1:0', upstream: echo.address });
      const port = portOf(p.listen);
      const warm = await connectTo(port);
      await roundTrip(warm);
      warm.end();
      await once(warm, 'close');
      await sleep(50);
      const before = openFds();
      const ways: ((s: Socket) => void)[] = [(s) => s.end(), (s) => s.destroy(), (s) => s.resetAndDestroy()];
      for (let i = 0; i < 300; i += 10) {
        await Promise.all(
          Array.from({ length: 10 }, async (_, k) => {
            const s = await connectTo(port);
            // three round trips: the native forwarder takes a connection at its second
            for (let r = 0; r < 3; r++) await roundTrip(s, 1000);
            const closed = once(s, 'close');
            ways[(i + k) % ways.length]?.(s);
            await closed;
          }),
        );
      }
      const t0 = Date.now();
      while ((srv.proxies.get('p').connections().length ?? 0) > 0 && Date.now() - t0 < 5_000) await sleep(20);
      assert.equal(srv.proxies.get('p').connections().length, 0, 'connections still open in the proxy');
      await sleep(100);
      assert.ok(openFds() <= before + 2, `file descriptors: ${before} before, ${openFds()} after`);
    } finally {
      await srv.close();
    }
  });
}
