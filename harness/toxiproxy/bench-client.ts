// The benchmark's load generator: each function measures one figure against
// one address (an upstream directly, or the proxy in front of it).
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';

const SINK = Buffer.allocUnsafe(1 << 20);

function open(port: number, onread?: (n: number) => void): Promise<Socket> {
  const s = connect({
    port,
    host: '127.0.0.1',
    noDelay: true,
    ...(onread ? { onread: { buffer: SINK, callback: (n: number) => (onread(n), true) } } : {}),
  });
  return once(s, 'connect').then(() => s);
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

/** p50 and p99 of a 64-byte round trip on one persistent connection, in µs. */
export async function roundTrips(port: number, count: number): Promise<{ p50: number; p99: number }> {
  const msg = Buffer.alloc(64, 1);
  let got = 0;
  let wake: (() => void) | undefined;
  const s = await open(port, (n) => {
    got += n;
    if (got >= 64) {
      got -= 64;
      wake?.();
    }
  });
  const times: number[] = [];
  for (let i = 0; i < count + count / 10; i++) {
    const t0 = process.hrtime.bigint();
    const done = new Promise<void>((r) => (wake = r));
    s.write(msg);
    await done;
    if (i >= count / 10) times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  s.destroy();
  times.sort((a, b) => a - b);
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99) };
}

/** Median time from connect() to the end of the first 64-byte round trip, in µs. */
export async function firstRoundTrips(port: number, count: number): Promise<number> {
  const msg = Buffer.alloc(64, 2);
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    let got = 0;
    let wake: (() => void) | undefined;
    const done = new Promise<void>((r) => (wake = r));
    const s = connect({ port, host: '127.0.0.1', noDelay: true });
    s.on('data', (b: Buffer) => {
      got += b.length;
      if (got >= 64) wake?.();
    });
    s.write(msg);
    await done;
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
    s.destroy();
  }
  times.sort((a, b) => a - b);
  return quantile(times, 0.5);
}

/** MB/s (10^6 bytes) of `total` bytes sent to an echo and read back on one connection. */
export async function echoThroughput(port: number, total: number): Promise<number> {
  const block = Buffer.alloc(1 << 20, 3);
  let received = 0;
  let finish: (() => void) | undefined;
  const done = new Promise<void>((r) => (finish = r));
  const s = await open(port, (n) => {
    received += n;
    if (received >= total) finish?.();
  });
  const t0 = process.hrtime.bigint();
  let sent = 0;
  const pump = (): void => {
    while (sent < total) {
      sent += block.length;
      if (!s.write(block)) {
        s.once('drain', pump);
        return;
      }
    }
  };
  pump();
  await done;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  s.destroy();
  return total / secs / 1e6;
}

/** MB/s of `total` bytes streamed one way from the streaming upstream, over `conns` connections. */
export async function oneWayThroughput(port: number, total: number, conns: number): Promise<number> {
  const each = Math.floor(total / conns);
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: conns }, async () => {
      let received = 0;
      const s = await open(port, (n) => {
        received += n;
      });
      const head = Buffer.alloc(8);
      head.writeBigUInt64BE(BigInt(each));
      s.write(head);
      await once(s, 'end');
      s.destroy();
      if (received !== each) throw new Error(`one-way stream: got ${received} of ${each} bytes`);
    }),
  );
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  return (each * conns) / secs / 1e6;
}
