// Reads into a reused buffer instead of a fresh 64 KB allocation per read:
// Node's `onread` socket option. Sockets we connect get it as an option; a
// socket accepted by a server cannot ask for it, so it is installed on the
// paused socket through the same fields the option fills in (found by their
// symbol names; if a Node version lacks them, the socket keeps 'data' events).
//
// A chunk handed to `onChunk` is a view into the shared buffer and only valid
// during the call; whoever keeps it longer (a write still in flight, a queue)
// calls claim(), and the next read goes into a new buffer.
import type { Socket } from 'node:net';

// Start small: most connections carry small requests and answers, and a 64 KB buffer
// per direction per connection made garbage collection the largest cost of a new
// connection (profiled: ~190 µs of GC per proxied connection). A read that fills the
// buffer means bulk transfer: the next buffer is 16 times larger, up to 1 MB.
const SMALL = 4 * 1024;
const LARGE = 1024 * 1024;

export type OnChunk = (chunk: Buffer) => void;

export class UserBuffer {
  private buf = Buffer.allocUnsafe(SMALL);
  private claimed = false;
  private grow = false;

  constructor(private readonly onChunk: OnChunk) {}

  /** The current chunk's memory is kept by someone: read the next one elsewhere. */
  claim(): void {
    this.claimed = true;
  }

  /** For the `onread` option of net.connect(). */
  readonly options = {
    buffer: (): Buffer => {
      if (this.claimed || this.grow) {
        this.buf = Buffer.allocUnsafe(this.grow ? Math.min(LARGE, this.buf.length * 16) : this.buf.length);
        this.claimed = false;
        this.grow = false;
      }
      return this.buf;
    },
    callback: (n: number, buf: Uint8Array): boolean => {
      if (n === buf.length && buf.length < LARGE) this.grow = true;
      this.onChunk((buf as Buffer).subarray(0, n));
      return true;
    },
  };
}

interface InternalSlots {
  buffer: symbol;
  cb: symbol;
  gen: symbol;
}

let slots: InternalSlots | null | undefined;

function findSlots(socket: Socket): InternalSlots | null {
  const bySym = new Map(Object.getOwnPropertySymbols(socket).map((s) => [s.description, s]));
  const buffer = bySym.get('kBuffer');
  const cb = bySym.get('kBufferCb');
  const gen = bySym.get('kBufferGen');
  return buffer && cb && gen ? { buffer, cb, gen } : null;
}

/**
 * Switches an accepted, still paused socket (server option pauseOnConnect) to
 * user-buffer reads and resumes it. Returns false, leaving the socket as it
 * was, where that is not possible.
 */
export function installUserBuffer(socket: Socket, reader: UserBuffer): boolean {
  slots ??= findSlots(socket);
  const handle = (socket as unknown as { _handle?: { useUserBuffer?: (b: Uint8Array) => void; reading?: boolean } })._handle;
  if (!slots || !handle || typeof handle.useUserBuffer !== 'function' || handle.reading) return false;
  const s = socket as unknown as Record<symbol, unknown>;
  if (s[slots.buffer] !== null || s[slots.cb] !== null) return false;
  const first = reader.options.buffer();
  s[slots.buffer] = first;
  s[slots.cb] = reader.options.callback;
  s[slots.gen] = reader.options.buffer;
  handle.useUserBuffer(first);
  return true;
}
