// The benchmark's load generator: each function measures one figure against
// one address (an upstream directly, or the proxy in front of it).
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { quantile as quantileOf } from '../stats/quantile.ts';

const SINK = Buffer.allocUnsafe(1 << 20);

function open(port: number, onread?: (n: number) => void): Promise<Socket> {
  const s = connect({
    port,
    host: '127.0.0.1',
    noDelay: true,
    ...(onread
      ? {
          onread: {
            buffer: SINK,
            callback: (n: number) => {
              onread(n);
              return true;
            },
          },
        }
      : {}),
  });
  return once(s, 'connect').then(() => s);
}

const quantile = (sorted: readonly number[], q: number): number => quantileOf(sorted, q) ?? NaN;

export interface Percentiles {
  readonly p50: number;
  readonly p99: number;
}

/**
 * p50 and p99 of a 64-byte round trip on one persistent connection to each port,
 * in µs. The ports take turns round trip by round trip, so that whatever else the
 * machine does at a moment hits each alike.
 */
export async function roundTrips(ports: readonly number[], count: number): Promise<Percentiles[]> {
  const msg = Buffer.alloc(64, 1);
  let wake: (() => void) | undefined;
  const sockets = await Promise.all(
    ports.map((port) => {
      let got = 0;
      return open(port, (n) => {
        got += n;
        if (got >= 64) {
          got -= 64;
          wake?.();
        }
      });
    }),
  );
  const times: number[][] = ports.map(() => []);
  for (let i = 0; i < count + count / 10; i++) {
    for (const [k, s] of sockets.entries()) {
      const t0 = process.hrtime.bigint();
      const done = new Promise<void>((r) => (wake = r));
      s.write(msg);
      await done;
      if (i >= count / 10) times[k]?.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
  }
  for (const s of sockets) s.destroy();
  return times.map((t) => {
    t.sort((a, b) => a - b);
    return { p50: quantile(t, 0.5), p99: quantile(t, 0.99) };
  });
}

/**
 * One connection's first round trip. The connection is then closed the orderly way
 * and only once the far end has closed too does the next measurement start: the
 * teardown of one connection (in the proxy or the upstream) must not land on the next.
 */
function firstRoundTrip(port: number, msg: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    let got = 0;
    let took = NaN;
    const s = connect({ port, host: '127.0.0.1', noDelay: true });
    s.on('error', reject);
    s.on('data', (b: Buffer) => {
      got += b.length;
      if (got < 64 || !Number.isNaN(took)) return;
      took = Number(process.hrtime.bigint() - t0) / 1000;
      s.end();
    });
    s.on('close', () => resolve(took));
    s.write(msg);
  });
}

/**
 * Median time from connect() to the end of the first 64-byte round trip, in µs,
 * for each port; the ports take turns connection by connection.
 */
export async function firstRoundTrips(ports: readonly number[], count: number): Promise<number[]> {
  const msg = Buffer.alloc(64, 2);
  const times: number[][] = ports.map(() => []);
  for (let i = 0; i < count; i++) {
    for (const [k, port] of ports.entries()) times[k]?.push(await firstRoundTrip(port, msg));
  }
  return times.map((t) => {
    t.sort((a, b) => a - b);
    return quantile(t, 0.5);
  });
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
