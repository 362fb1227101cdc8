// One proxied TCP connection: the client's socket, the socket to the upstream,
// and a link per direction. Errors on one side tear down the other (a reset is
// passed on as a reset); a graceful end is passed on by the links themselves.
import { connect, type Socket } from 'node:net';
import { Link, type ConnectionControl } from './link.ts';
import { installUserBuffer, UserBuffer } from './user-buffer-reads.ts';
import type { Rng } from './rng.ts';
import type { Stream, ToxicSpec } from './toxic-spec.ts';

export class Connection implements ConnectionControl {
  /** client → upstream */
  readonly upstreamLink: Link;
  /** upstream → client */
  readonly downstreamLink: Link;
  private readonly upstream: Socket;
  private done = false;
  private closing = false;
  private open = 2;

  constructor(
    readonly id: number,
    /** Accepted with pauseOnConnect: nothing has been read yet. */
    private readonly client: Socket,
    target: { host: string; port: number },
    rngs: { upstream: Rng; downstream: Rng },
    private readonly onClosed: (c: Connection) => void,
  ) {
    const downReader = new UserBuffer((b) => this.downstreamLink.onChunk(b));
    const upstream = connect({ ...target, allowHalfOpen: true, noDelay: true, onread: downReader.options });
    this.upstream = upstream;
    const upReader = new UserBuffer((b) => this.upstreamLink.onChunk(b));
    const shared = installUserBuffer(client, upReader);
    this.upstreamLink = new Link(client, upstream, this, rngs.upstream, shared ? upReader : undefined);
    this.downstreamLink = new Link(upstream, client, this, rngs.downstream, downReader);
    this.watch(client, upstream);
    this.watch(upstream, client);
    client.resume();
  }

  private watch(self: Socket, other: Socket): void {
    self.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET') this.resetSocket(other);
      else other.destroy();
      this.finish();
    });
    self.on('close', () => {
      if (--this.open === 0) this.finish();
    });
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
      s.end(() => s.destroy());
      // a peer that never reads must not keep the socket forever
      setTimeout(() => s.destroy(), 2000).unref();
    }
  }

  /** Abortive close of both sides: RST, unsent data discarded. */
  reset(): void {
    if (this.done) return;
    this.shutdownLinks();
    this.resetSocket(this.client);
    this.resetSocket(this.upstream);
  }

  destroy(): void {
    this.shutdownLinks();
    this.client.destroy();
    this.upstream.destroy();
  }

  private resetSocket(s: Socket): void {
    if (s.destroyed) return;
    try {
      s.resetAndDestroy();
    } catch {
      s.destroy();
    }
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
