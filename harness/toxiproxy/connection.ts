// One proxied TCP connection: the client's side, the side to the upstream, and
// a link per direction. Errors on one side tear down the other (a reset is
// passed on as a reset); a graceful end is passed on by the links themselves.
//
// With the native forwarder (tcp.ts, io "native"), a connection to which no
// toxic applies is handed to it at its second exchange, once nothing is held
// anywhere (no write in flight, no FIN seen): from then on its bytes never
// enter the event loop. A connection used once (a request and its answer)
// never pays for the hand-over. When a toxic comes that applies to it, the
// forwarder hands the sockets back with whatever it had read and not yet
// written; that goes through the toxics first, then the links carry on on new
// sides over the same sockets. Once the toxics are gone, it goes back again.
import { Link, type ConnectionControl } from './link.ts';
import type { Rng } from '../schedule/rng.ts';
import type { NativePath, Side, SideHandler } from './tcp.ts';
import type { Stream, ToxicSpec } from './toxic-spec.ts';

type Applies = (spec: ToxicSpec) => boolean;

const STREAMS: readonly Stream[] = ['upstream', 'downstream'];
/** Chunks passed through at once before a hand-over is tried: a request and its answer are two. */
const HANDOVER_AFTER = 3;

export class Connection implements ConnectionControl {
  /** client → upstream */
  private upstreamLink: Link;
  /** upstream → client */
  private downstreamLink: Link;
  private done = false;
  private closing = false;
  private open = 2;
  /** Set while the native forwarder carries the bytes. */
  private nativeId: number | undefined;
  /** Chunks that went through at once since the last hand-over check. */
  private settledChunks = 0;
  private handoverPending = false;
  private readonly toxics: Record<Stream, { specs: readonly ToxicSpec[]; applies: Applies }> = {
    upstream: { specs: [], applies: () => false },
    downstream: { specs: [], applies: () => false },
  };

  constructor(
    readonly id: number,
    /** Accepted, not read from yet. */
    private client: Side,
    /** Connecting to the upstream. */
    private upstream: Side,
    private readonly rngs: { upstream: Rng; downstream: Rng },
    private readonly onClosed: (c: Connection) => void,
    private readonly native?: NativePath,
  ) {
    this.upstreamLink = new Link(client, upstream, this, rngs.upstream);
    this.downstreamLink = new Link(upstream, client, this, rngs.downstream);
    client.start(this.handler(this.upstreamLink, this.downstreamLink, upstream));
    upstream.start(this.handler(this.downstreamLink, this.upstreamLink, client));
  }

  /** The handler of a side: `reads` is the link reading from it, `writes` the one writing to it. */
  private handler(reads: Link, writes: Link, other: Side): SideHandler {
    return {
      chunk: (b) => reads.onChunk(b),
      end: () => reads.onEnd(),
      drain: () => writes.onDrain(),
      error: (code) => {
        if (code === 'ECONNRESET') other.reset();
        else other.destroy();
        this.finish();
      },
      close: () => {
        if (--this.open === 0) this.finish();
      },
    };
  }

  settled(): void {
    if (!this.native || this.handoverPending || ++this.settledChunks < HANDOVER_AFTER) return;
    // not from inside a read callback: its handle is about to be closed
    this.handoverPending = true;
    setImmediate(() => {
      this.handoverPending = false;
      this.toNative();
    });
  }

  /** Hands the connection to the native forwarder if nothing is held and no toxic applies. */
  private toNative(): void {
    const native = this.native;
    if (!native || this.done || this.closing || this.nativeId !== undefined) return;
    const cfd = this.client.fd ?? -1;
    const ufd = this.upstream.fd ?? -1;
    if (!this.upstreamLink.idle || !this.downstreamLink.idle || cfd < 0 || ufd < 0 || this.client.writing || this.upstream.writing) return;
    try {
      this.nativeId = native.forwarder.adopt(cfd, ufd, () => this.nativeEnded());
    } catch {
      return; // out of descriptors or memory: stay in JavaScript
    }
    this.client.detach?.();
    this.upstream.detach?.();
  }

  /** The forwarder ended the connection (both directions done, or an error it passed on). */
  private nativeEnded(): void {
    this.nativeId = undefined;
    this.finish();
  }

  /** Takes the connection back from the native forwarder: new sides on the same sockets, in-flight bytes first. */
  private fromNative(): void {
    const native = this.native;
    const id = this.nativeId;
    if (!native || id === undefined) return;
    this.nativeId = undefined;
    const r = native.forwarder.release(id);
    if (!r) return; // it ended in the forwarder; nativeEnded finishes it
    this.shutdownLinks();
    this.settledChunks = 0;
    this.client = native.adopt(r.clientFd, { read: r.clientEnded, write: r.clientShut });
    this.upstream = native.adopt(r.upstreamFd, { read: r.upstreamEnded, write: r.upstreamShut });
    const up = new Link(this.client, this.upstream, this, this.rngs.upstream);
    const down = new Link(this.upstream, this.client, this, this.rngs.downstream);
    this.upstreamLink = up;
    this.downstreamLink = down;
    for (const s of STREAMS) this.link(s).setToxics(this.toxics[s].specs, this.toxics[s].applies);
    this.client.start(this.handler(up, down, this.upstream));
    this.upstream.start(this.handler(down, up, this.client));
    // before anything new is read (reads come from the event loop, later)
    if (r.pendingUp) up.onChunk(r.pendingUp);
    if (r.clientEnded && !r.upstreamShut) up.onEnd();
    if (r.pendingDown) down.onChunk(r.pendingDown);
    if (r.upstreamEnded && !r.clientShut) down.onEnd();
  }

  link(stream: Stream): Link {
    return stream === 'upstream' ? this.upstreamLink : this.downstreamLink;
  }

  /** Whether the native forwarder carries this connection's bytes now. */
  get isNative(): boolean {
    return this.nativeId !== undefined;
  }

  setToxics(stream: Stream, specs: readonly ToxicSpec[], applies: (spec: ToxicSpec) => boolean): void {
    this.toxics[stream] = { specs, applies };
    if (this.nativeId !== undefined) {
      if (!specs.some(applies)) return;
      this.fromNative(); // installs every stream's toxics on the new links
      return;
    }
    this.link(stream).setToxics(specs, applies);
  }

  /** Graceful close of both sides: FIN after what was already written. */
  close(): void {
    if (this.done || this.closing) return;
    this.fromNative();
    if (this.done) return;
    this.closing = true;
    this.shutdownLinks();
    for (const s of [this.client, this.upstream]) {
      s.end(true);
      // a peer that never reads must not keep the socket forever
      setTimeout(() => s.destroy(), 2000).unref();
    }
  }

  /** Abortive close of both sides: RST, unsent data discarded. */
  reset(): void {
    if (this.done) return;
    if (this.nativeId !== undefined) {
      this.kill(true);
      return;
    }
    this.shutdownLinks();
    this.client.reset();
    this.upstream.reset();
  }

  destroy(): void {
    if (this.nativeId !== undefined) {
      this.kill(false);
      return;
    }
    this.shutdownLinks();
    this.client.destroy();
    this.upstream.destroy();
  }

  private kill(reset: boolean): void {
    const id = this.nativeId;
    this.nativeId = undefined;
    if (id !== undefined) this.native?.forwarder.kill(id, reset);
    this.finish();
  }

  private shutdownLinks(): void {
    this.upstreamLink.shutdown();
    this.downstreamLink.shutdown();
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.shutdownLinks();
    this.onClosed(this);
  }
}
