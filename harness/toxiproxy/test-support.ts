// Helpers for the proxy's tests: loopback servers to proxy to, and clients
// that observe what came through (bytes, timing, how the connection ended).
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { once } from 'node:events';

export interface Upstream extends AsyncDisposable {
  readonly port: number;
  readonly address: string;
  close(): Promise<void>;
}

async function serve(server: Server): Promise<Upstream> {
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const close = async (): Promise<void> => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { port, address: `127.0.0.1:${port}`, close, [Symbol.asyncDispose]: close };
}

/** Echoes every byte back; ends when the client ends. */
export function startEcho(): Promise<Upstream> {
  return serve(createServer({ allowHalfOpen: true, noDelay: true }, (s) => s.pipe(s)));
}

/** Sends `payload` to every client as soon as it connects, then ends. */
export function startSender(payload: Buffer): Promise<Upstream> {
  return serve(createServer({ noDelay: true }, (s) => s.end(payload)));
}

export function connectTo(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1', noDelay: true });
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** Reads exactly n bytes, or fails after `ms`. */
export function readBytes(s: Socket, n: number, ms = 10_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const done = (err?: Error): void => {
      clearTimeout(timer);
      s.off('data', onData);
      s.off('end', onEnd);
      if (err) reject(err);
      else resolve(Buffer.concat(chunks).subarray(0, n));
    };
    const onData = (b: Buffer): void => {
      chunks.push(b);
      got += b.length;
      if (got >= n) done();
    };
    const onEnd = (): void => done(new Error(`ended after ${got} of ${n} bytes`));
    const timer = setTimeout(() => done(new Error(`timed out after ${got} of ${n} bytes`)), ms);
    s.on('data', onData);
    s.on('end', onEnd);
  });
}

/** Bytes received until the peer closes, and how it closed (error code or "end"). */
export function readToClose(s: Socket, ms = 10_000): Promise<{ data: Buffer; how: string; chunks: number; at: number }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let how = 'end';
    const timer = setTimeout(() => {
      how = 'timeout';
      s.destroy();
    }, ms);
    s.on('data', (b: Buffer) => chunks.push(b));
    s.on('error', (e: NodeJS.ErrnoException) => {
      how = e.code ?? e.message;
    });
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ data: Buffer.concat(chunks), how, chunks: chunks.length, at: performance.now() });
    });
  });
}

/** Milliseconds for one round trip of `bytes` bytes on an open connection to an echo. */
export async function roundTrip(s: Socket, bytes = 64): Promise<number> {
  const t0 = performance.now();
  s.write(Buffer.alloc(bytes, 7));
  await readBytes(s, bytes);
  return performance.now() - t0;
}

/** Whether anything arrives within `ms` (the connection stays open meanwhile). */
export function nothingWithin(s: Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const onData = (): void => finish(false);
    const finish = (quiet: boolean): void => {
      clearTimeout(timer);
      s.off('data', onData);
      resolve(quiet);
    };
    const timer = setTimeout(() => finish(true), ms);
    s.once('data', onData);
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function portOf(listen: string): number {
  return Number(listen.slice(listen.lastIndexOf(':') + 1));
}
