// One proxied TCP connection: the client's side, the side to the upstream, and
// a link per direction. Errors on one side tear down the other (a reset is
// passed on as a reset); a graceful end is passed on by the links themselves.
import { Link, type ConnectionControl } from './link.ts';
import type { Rng } from './rng.ts';
import type { Side, SideHandler } from './tcp.ts';
import type { Stream, ToxicSpec } from './toxic-spec.ts';

export class Connection implements ConnectionControl {
  /** client → upstream */
  readonly upstreamLink: Link;
  /** upstream → client */
  readonly downstreamLink: Link;
  private done = false;
  private closing = false;
  private open = 2;

  constructor(
    readonly id: number,
    /** Accepted, not read from yet. */
    private readonly client: Side,
    /** Connecting to the upstream. */
    private readonly upstream: Side,
    rngs: { upstream: Rng; downstream: Rng },
    private readonly onClosed: (c: Connection) => void,
  ) {
    const up = new Link(client, upstream, this, rngs.upstream);
    const down = new Link(upstream, client, this, rngs.downstream);
    this.upstreamLink = up;
    this.downstreamLink = down;
    client.start(this.handler(up, down, upstream));
    upstream.start(this.handler(down, up, client));
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

  link(stream: Stream): Link {
    return stream === 'upstream' ? this.upstreamLink : this.downstreamLink;
  }

  setToxics(stream: Stream, specs: readonly ToxicSpec[], applies: (spec: ToxicSpec) => boolean): void {
    this.link(stream).setToxics(specs, applies);
  }

  /** Graceful close of both sides: FIN after what was already written. */
  close(): void {
    if (this.done || this.closing) return;
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
    this.shutdownLinks();
    this.client.reset();
    this.upstream.reset();
  }

  destroy(): void {
    this.shutdownLinks();
    this.client.destroy();
    this.upstream.destroy();
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
