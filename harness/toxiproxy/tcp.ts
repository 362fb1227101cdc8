// The two ends of a proxied connection as the links see them ("sides"), and the
// listener that accepts them. Three ways to do the I/O behind one interface:
//
// - "native" (the default where it builds): raw sides (below) for accepting and
//   connecting, and while no toxic applies to a connection, its bytes move in
//   the native forwarder's thread (native.ts, native/forward.c), not through
//   the event loop. A toxic hands the connection back to the raw sides.
// - "raw": libuv TCP handles driven directly through Node's tcp_wrap /
//   stream_wrap bindings (tcp-raw.ts). No net.Socket, no stream machinery,
//   reads into reused buffers: about half the per-connection CPU of net.Socket.
// - "node": net.Socket, Node's public API. Used when the bindings are missing
//   (a Node version that removed process.binding) or would warn that they are
//   deprecated (--pending-deprecation: see tcp-raw.ts).
// GAMEDAY_PROXY_IO=native|raw|node chooses; the conformance tests run against each.
import { createServer, connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { loadForwarder, type Forwarder } from './native.ts';
import type { Side, SideHandler, TcpListener } from './side.ts';
import { rawAdopt, rawTcpAvailable, rawTcpUnavailable, rawConnect, rawListen } from './tcp-raw.ts';

export type { Side, SideHandler, TcpListener } from './side.ts';

export type TcpIo = 'native' | 'raw' | 'node';

/** The native forwarder and a way back from it: a raw side on a descriptor it returns. */
export interface NativePath {
  readonly forwarder: Forwarder;
  adopt(fd: number, ended: { read: boolean; write: boolean }): Side;
}

export interface Tcp {
  readonly io: TcpIo;
  listen(host: string, port: number, onSide: (side: Side) => void): Promise<TcpListener>;
  connect(host: string, port: number): Side;
  /** Present when io is native. */
  readonly native?: NativePath;
  /** Why the I/O is not native although native was not asked against. */
  readonly fallback?: string;
}

/** GAMEDAY_PROXY_IO names no I/O, or one that cannot work here. */
export class IoChoiceError extends Error {}

function envIo(): TcpIo | undefined {
  const v = process.env['GAMEDAY_PROXY_IO'];
  if (v === undefined || v === '') return undefined;
  if (v === 'native' || v === 'raw' || v === 'node') return v;
  throw new IoChoiceError(`GAMEDAY_PROXY_IO=${v} is not one of native, raw, node`);
}

/** The synchronous choices: raw unless unavailable or GAMEDAY_PROXY_IO=node (native needs openTcp()). */
export function defaultTcpIo(): 'raw' | 'node' {
  return envIo() === 'node' || !rawTcpAvailable() ? 'node' : 'raw';
}

export function tcpFor(io: 'raw' | 'node' = defaultTcpIo()): Tcp {
  if (io === 'raw' && !rawTcpAvailable()) throw new IoChoiceError(`raw TCP handles cannot be used here (${rawTcpUnavailable()}): use io 'node'`);
  return io === 'raw' ? { io, listen: rawListen, connect: rawConnect } : { io, listen: nodeListen, connect: nodeConnect };
}

/**
 * The I/O for a proxy server: the one asked for (or GAMEDAY_PROXY_IO), else
 * native where the forwarder builds, else raw, else node. Asking for one that
 * cannot work here is an error that says why.
 */
export async function openTcp(io: TcpIo | undefined = envIo()): Promise<Tcp> {
  if (io === 'raw' || io === 'node') return tcpFor(io);
  if (!rawTcpAvailable()) {
    if (io === 'native') throw new IoChoiceError(`the native forwarder needs raw TCP handles, which cannot be used here (${rawTcpUnavailable()})`);
    return { ...tcpFor('node'), fallback: `raw TCP handles cannot be used here (${rawTcpUnavailable()})` };
  }
  const loaded = await loadForwarder();
  if ('reason' in loaded) {
    if (io === 'native') throw new IoChoiceError(`the native forwarder is not available: ${loaded.reason}`);
    return { ...tcpFor('raw'), fallback: loaded.reason };
  }
  return { io: 'native', listen: rawListen, connect: rawConnect, native: { forwarder: loaded.forwarder, adopt: rawAdopt } };
}

// ---- the net.Socket implementation ----

class NodeSide implements Side {
  constructor(private readonly s: Socket) {}

  start(h: SideHandler): void {
    const s = this.s;
    s.on('data', (b: Buffer) => h.chunk(b));
    s.on('end', () => h.end());
    s.on('drain', () => h.drain());
    s.on('error', (e: NodeJS.ErrnoException) => h.error(e.code ?? 'EIO'));
    s.on('close', () => h.close());
    s.resume();
  }

  write(buf: Buffer): boolean {
    return this.s.write(buf);
  }

  get writing(): boolean {
    return false; // every chunk from a 'data' event is a buffer of its own
  }

  claim(): void {}

  pause(): void {
    this.s.pause();
  }

  resume(): void {
    this.s.resume();
  }

  end(thenClose = false): void {
    if (thenClose) this.s.end(() => this.s.destroy());
    else this.s.end();
  }

  reset(): void {
    if (this.s.destroyed) return;
    try {
      this.s.resetAndDestroy();
    } catch {
      this.s.destroy();
    }
  }

  destroy(): void {
    this.s.destroy();
  }
}

async function nodeListen(host: string, port: number, onSide: (side: Side) => void): Promise<TcpListener> {
  const server = createServer({ allowHalfOpen: true, noDelay: true, pauseOnConnect: true }, (s) => onSide(new NodeSide(s)));
  server.listen({ host: host || undefined, port, exclusive: true });
  try {
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([e]) => Promise.reject(e))]);
  } catch (e) {
    server.close();
    throw e;
  }
  const addr = server.address();
  if (!addr || typeof addr !== 'object') throw new Error('listener has no address');
  return {
    address: addr.address,
    port: addr.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function nodeConnect(host: string, port: number): Side {
  const s = connect({ host, port, allowHalfOpen: true, noDelay: true });
  s.pause();
  return new NodeSide(s);
}
