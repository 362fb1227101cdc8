// Sides on libuv TCP handles, driven through Node's own tcp_wrap and stream_wrap
// bindings (the layer under net.Socket): accept, connect, read into a reused
// buffer, write, shut down, reset, close. What net.Socket adds on top (streams,
// events, async-id bookkeeping, a 64 KB buffer per read) is most of a Node
// proxy's cost per new connection; this file does without it.
//
// The bindings are internal to Node (process.binding, DEP0111: a documentation-only
// deprecation through Node 24, a warning under --pending-deprecation). They are
// looked up once and checked; if anything is missing, or looking them up would
// print that warning, rawTcpAvailable() is false, rawTcpUnavailable() says why and
// tcp.ts uses net.Socket, the public API.
import { lookup } from 'node:dns';
import { closeSync } from 'node:fs';
import { isIP } from 'node:net';
import { getSystemErrorName } from 'node:util';
import type { Side, SideHandler, TcpListener } from './side.ts';

interface Req {
  oncomplete: ((...args: unknown[]) => void) | null;
  handle?: Handle;
  [k: string]: unknown;
}

interface Handle {
  onread: (ab?: ArrayBuffer) => Uint8Array | undefined;
  onconnection: ((err: number, client?: Handle) => void) | null;
  readStart(): number;
  readStop(): number;
  useUserBuffer(buf: Uint8Array): void;
  writeBuffer(req: Req, buf: Uint8Array): number;
  shutdown(req: Req): number;
  close(cb?: () => void): void;
  reset(cb?: () => void): number;
  setNoDelay(on: boolean): number;
  connect(req: Req, host: string, port: number): number;
  connect6(req: Req, host: string, port: number): number;
  bind(host: string, port: number): number;
  bind6(host: string, port: number, flags: number): number;
  listen(backlog: number): number;
  getsockname(out: Record<string, unknown>): number;
  open(fd: number): number;
  readonly fd: number;
}

interface Bindings {
  TCP: new (type: number) => Handle;
  TCPConnectWrap: new () => Req;
  WriteWrap: new () => Req;
  ShutdownWrap: new () => Req;
  SOCKET: number;
  SERVER: number;
  state: Int32Array;
  kReadBytesOrError: number;
  kLastWriteWasAsync: number;
}

/** The bindings, or why they cannot be used. */
let bindings: Bindings | string | undefined;

/** True when Node would print DEP0111 for process.binding(): --pending-deprecation on the command line, in NODE_OPTIONS or as NODE_PENDING_DEPRECATION=1. */
function bindingWouldWarn(): boolean {
  const flag = (s: string | undefined): boolean => s !== undefined && /(^|\s)--pending-deprecation(\s|$)/.test(s);
  return process.execArgv.some((a) => a === '--pending-deprecation') || flag(process.env['NODE_OPTIONS']) || process.env['NODE_PENDING_DEPRECATION'] === '1';
}

function load(): Bindings | string {
  if (bindingWouldWarn()) return 'process.binding() is deprecated under --pending-deprecation';
  try {
    const binding = (process as unknown as { binding?: (name: string) => Record<string, unknown> }).binding;
    if (typeof binding !== 'function') return `Node ${process.version} has no process.binding()`;
    const tcp = binding.call(process, 'tcp_wrap') as Record<string, unknown>;
    const stream = binding.call(process, 'stream_wrap') as Record<string, unknown>;
    const constants = tcp['constants'] as Record<string, unknown> | undefined;
    const TCP = tcp['TCP'] as Bindings['TCP'] | undefined;
    const b = {
      TCP,
      TCPConnectWrap: tcp['TCPConnectWrap'],
      WriteWrap: stream['WriteWrap'],
      ShutdownWrap: stream['ShutdownWrap'],
      SOCKET: constants?.['SOCKET'],
      SERVER: constants?.['SERVER'],
      state: stream['streamBaseState'],
      kReadBytesOrError: stream['kReadBytesOrError'],
      kLastWriteWasAsync: stream['kLastWriteWasAsync'],
    };
    const methods = [
      'readStart',
      'readStop',
      'useUserBuffer',
      'writeBuffer',
      'shutdown',
      'close',
      'reset',
      'setNoDelay',
      'connect',
      'connect6',
      'bind',
      'bind6',
      'listen',
      'getsockname',
      'open',
    ];
    const ok =
      typeof TCP === 'function' &&
      methods.every((m) => typeof (TCP.prototype as unknown as Record<string, unknown>)[m] === 'function') &&
      typeof b.TCPConnectWrap === 'function' &&
      typeof b.WriteWrap === 'function' &&
      typeof b.ShutdownWrap === 'function' &&
      typeof b.SOCKET === 'number' &&
      typeof b.SERVER === 'number' &&
      b.state instanceof Int32Array &&
      typeof b.kReadBytesOrError === 'number' &&
      typeof b.kLastWriteWasAsync === 'number';
    return ok ? (b as Bindings) : `Node ${process.version}'s tcp_wrap / stream_wrap bindings are not the ones this code knows`;
  } catch (err) {
    return `process.binding('tcp_wrap') failed on Node ${process.version}: ${(err as Error).message}`;
  }
}

function api(): Bindings {
  bindings ??= load();
  if (typeof bindings === 'string') throw new Error(`raw TCP handles are not available: ${bindings}`);
  return bindings;
}

export function rawTcpAvailable(): boolean {
  bindings ??= load();
  return typeof bindings !== 'string';
}

/** Why raw TCP handles cannot be used here, or undefined when they can. */
export function rawTcpUnavailable(): string | undefined {
  bindings ??= load();
  return typeof bindings === 'string' ? bindings : undefined;
}

const errName = (code: number): string => {
  try {
    return getSystemErrorName(code);
  } catch {
    return `E${-code}`;
  }
};

// Reads start in a small buffer: most connections carry small requests and
// answers, and a large buffer per direction per connection makes garbage
// collection the largest cost of a new connection. A read that fills the buffer
// means bulk transfer: the next buffer is 16 times larger, up to 1 MB.
const SMALL = 4 * 1024;
const LARGE = 1024 * 1024;
// write() returns false once this much is queued in the kernel's stead (as net.Socket's 16 KB mark).
const HIGH_WATER = 16 * 1024;

const ignoreRead = (): undefined => undefined;

/** Completion of a write request; `this` is the request. */
function onWriteDone(this: Req, status: number): void {
  (this['side'] as RawSide).writeDone(this['bytes'] as number, status);
}

class RawSide implements Side {
  private h: Handle | undefined;
  private handler: SideHandler | undefined;
  private buf = Buffer.allocUnsafe(SMALL);
  private claimed = false;
  private grow = false;
  private connecting: boolean;
  /** Writes accepted while connecting, flushed once connected. */
  private early: Buffer[] = [];
  private pending = 0;
  private spareReq: Req | undefined;
  private paused = false;
  private readEnded = false;
  private writeEnded = false;
  private wantEnd = false;
  private closeAfterEnd = false;
  private closing = false;
  private failure: string | undefined;
  private shutdownDone = false;

  constructor(handle: Handle, connecting: boolean, ended?: { read: boolean; write: boolean }) {
    this.h = handle;
    this.connecting = connecting;
    if (ended?.read) this.readEnded = true;
    if (ended?.write) this.writeEnded = this.shutdownDone = true;
  }

  start(handler: SideHandler): void {
    this.handler = handler;
    if (this.failure !== undefined) {
      const code = this.failure;
      process.nextTick(() => this.fail(code));
      return;
    }
    if (!this.connecting) this.startReading();
    this.maybeClose(); // a side handed back with both directions over
  }

  get fd(): number {
    return this.closing ? -1 : (this.h?.fd ?? -1);
  }

  detach(): void {
    const h = this.h;
    if (!h || this.closing) return;
    this.closing = true;
    this.handler = undefined;
    this.h = undefined;
    h.onread = ignoreRead; // must stay a function (Node asserts it)
    h.readStop();
    h.close();
  }

  private startReading(): void {
    const h = this.h;
    if (!h || this.readEnded) return;
    h.onread = this.onRead;
    h.useUserBuffer(this.buf);
    if (!this.paused) this.check(h.readStart());
  }

  /** Called with each read; returns the buffer for the next one when it changes. */
  private readonly onRead = (): Uint8Array | undefined => {
    const b = api();
    const n = b.state[b.kReadBytesOrError] ?? 0;
    if (n > 0) {
      const buf = this.buf;
      if (n === buf.length && buf.length < LARGE) this.grow = true;
      this.handler?.chunk(buf.subarray(0, n));
      if (this.claimed || this.grow) {
        this.buf = Buffer.allocUnsafe(this.grow ? Math.min(LARGE, buf.length * 16) : buf.length);
        this.claimed = false;
        this.grow = false;
        return this.buf;
      }
      return undefined;
    }
    if (n === 0) return undefined;
    const name = errName(n);
    if (name === 'EOF') {
      this.readEnded = true;
      this.h?.readStop();
      this.handler?.end();
      this.maybeClose();
    } else {
      this.fail(name);
    }
    return undefined;
  };

  dial(ip: string, port: number): void {
    const h = this.h;
    if (!h) return;
    const b = api();
    const req = new b.TCPConnectWrap();
    req.oncomplete = (status: unknown) => this.connected(status as number);
    req['address'] = ip;
    req['port'] = port;
    const err = isIP(ip) === 6 ? h.connect6(req, ip, port) : h.connect(req, ip, port);
    if (err) this.failSoon(errName(err));
  }

  private connected(status: number): void {
    if (!this.h || this.closing) return;
    if (status < 0) {
      this.fail(errName(status));
      return;
    }
    this.connecting = false;
    this.h.setNoDelay(true);
    const early = this.early;
    this.early = [];
    for (const buf of early) {
      this.pending -= buf.length;
      this.write(buf);
    }
    if (this.wantEnd) this.end(this.closeAfterEnd);
    if (this.handler) this.startReading();
    if (this.pending === 0 && early.length > 0) this.handler?.drain();
  }

  write(buf: Buffer): boolean {
    const h = this.h;
    if (!h || this.closing || this.writeEnded) return true;
    if (this.connecting) {
      this.early.push(buf);
      this.pending += buf.length;
      return this.pending < HIGH_WATER;
    }
    const b = api();
    const req = this.spareReq ?? new b.WriteWrap();
    this.spareReq = undefined;
    const err = h.writeBuffer(req, buf);
    if (err) {
      this.fail(errName(err));
      return true;
    }
    if (b.state[b.kLastWriteWasAsync] === 0) {
      this.spareReq = req; // nothing was queued: the request object was not used
      return true;
    }
    req.handle = h;
    req.oncomplete = onWriteDone as Req['oncomplete'];
    req['side'] = this;
    req['bytes'] = buf.length;
    req['buffer'] = buf; // keeps the bytes alive until written
    this.pending += buf.length;
    return this.pending < HIGH_WATER;
  }

  writeDone(bytes: number, status: number): void {
    if (!this.h || this.closing) return;
    this.pending -= bytes;
    if (status < 0) {
      this.fail(errName(status));
      return;
    }
    if (this.pending === 0) this.handler?.drain();
  }

  get writing(): boolean {
    return this.pending > 0;
  }

  claim(): void {
    this.claimed = true;
  }

  pause(): void {
    if (this.paused) return;
    this.paused = true;
    if (this.h && !this.connecting && !this.readEnded) this.h.readStop();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.h && !this.connecting && !this.readEnded && this.handler) this.check(this.h.readStart());
  }

  end(thenClose = false): void {
    const h = this.h;
    if (thenClose) this.closeAfterEnd = true;
    if (!h || this.closing) return;
    if (this.writeEnded) {
      if (thenClose) this.maybeClose();
      return;
    }
    if (this.connecting) {
      this.wantEnd = true;
      return;
    }
    this.writeEnded = true;
    const req = new (api().ShutdownWrap)();
    req.handle = h;
    req.oncomplete = (status: unknown) => {
      if ((status as number) < 0 && (status as number) !== -107 /* ENOTCONN: peer already gone */) return this.fail(errName(status as number));
      this.shutdownDone = true;
      this.maybeClose();
    };
    const err = h.shutdown(req);
    if (err) this.failSoon(errName(err));
  }

  private maybeClose(): void {
    if (this.shutdownDone && (this.readEnded || this.closeAfterEnd)) this.close();
  }

  private check(err: number): void {
    if (err) this.failSoon(errName(err));
  }

  private failSoon(code: string): void {
    process.nextTick(() => this.fail(code));
  }

  /** Reports the error, then closes. */
  fail(code: string): void {
    if (this.closing || !this.h) return;
    if (!this.handler) {
      this.failure = code;
      return;
    }
    this.handler.error(code);
    this.close();
  }

  private close(): void {
    const h = this.h;
    if (!h || this.closing) return;
    this.closing = true;
    h.onread = ignoreRead; // must stay a function (Node asserts it)
    h.close(() => this.closed());
  }

  private closed(): void {
    this.h = undefined;
    this.early = [];
    this.handler?.close();
  }

  reset(): void {
    const h = this.h;
    if (!h || this.closing) return;
    // libuv cannot reset a socket it has begun to shut down: that one just closes (FIN)
    if (this.writeEnded) {
      this.close();
      return;
    }
    this.closing = true;
    h.onread = ignoreRead; // must stay a function (Node asserts it)
    h.reset(() => this.closed());
  }

  destroy(): void {
    this.close();
  }
}

export async function rawListen(host: string, port: number, onSide: (side: Side) => void): Promise<TcpListener> {
  const b = api();
  let ip = host;
  if (ip !== '' && isIP(ip) === 0) ip = await new Promise<string>((resolve, reject) => lookup(host, (err, a) => (err ? reject(err) : resolve(a))));
  const server = new b.TCP(b.SERVER);
  let err: number;
  if (ip === '') {
    err = server.bind6('::', port, 0);
    if (err) err = server.bind('0.0.0.0', port);
  } else {
    err = isIP(ip) === 6 ? server.bind6(ip, port, 0) : server.bind(ip, port);
  }
  if (!err) err = server.listen(511);
  if (err) {
    server.close();
    const e = new Error(errName(err)) as NodeJS.ErrnoException;
    e.code = errName(err);
    throw e;
  }
  server.onconnection = (status, client) => {
    if (status < 0 || !client) return;
    client.setNoDelay(true);
    onSide(new RawSide(client, false));
  };
  const out: Record<string, unknown> = {};
  server.getsockname(out);
  return {
    address: String(out['address'] ?? ip),
    port: Number(out['port'] ?? port),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export function rawConnect(host: string, port: number): Side {
  const b = api();
  const side = new RawSide(new b.TCP(b.SOCKET), true);
  if (isIP(host) !== 0) side.dial(host, port);
  else
    lookup(host || 'localhost', (err, address) => {
      if (err) side.fail((err as NodeJS.ErrnoException).code ?? 'ENOTFOUND');
      else side.dial(address, port);
    });
  return side;
}

/** A side on a connected socket's descriptor (one the native forwarder handed back); `ended` says which directions are over. */
export function rawAdopt(fd: number, ended: { read: boolean; write: boolean }): Side {
  const b = api();
  const h = new b.TCP(b.SOCKET);
  const err = h.open(fd);
  const side = new RawSide(h, false, ended);
  if (err) {
    try {
      closeSync(fd); // the handle did not take it
    } catch {
      /* already gone */
    }
    side.fail(errName(err));
  }
  return side;
}
