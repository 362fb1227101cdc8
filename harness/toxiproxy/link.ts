// One direction of one proxied connection: bytes read from `src` are written to
// `dst`. With no toxic in force the link is a bare forwarder (one branch per
// chunk, backpressure by pause/resume). With toxics, chunks are queued with
// their arrival time and a pump passes them through the chain of stages in
// order; the source is paused while the queue is full, so held data backs up
// into the sender's TCP buffers as it would behind a real network fault.
import type { Rng } from '../schedule/rng.ts';
import { createStage, type LinkControl, type Stage } from './stages.ts';
import type { Side } from './tcp.ts';
import type { ToxicSpec } from './toxic-spec.ts';

const QUEUE_HIGH = 1 << 20; // bytes queued before the source is paused
const QUEUE_LOW = 1 << 18;
const END = null;

interface Item {
  readonly buf: Buffer;
  readonly arrived: number;
}

/** What the link needs from its connection. */
export interface ConnectionControl {
  close(): void;
  reset(): void;
  /** A chunk went through the fast path and was written at once: nothing of it is held anywhere. */
  settled(): void;
}

export class Link implements LinkControl {
  private fast = true;
  private active: Stage[] = [];
  private queue: (Item | typeof END)[] = [];
  private head = 0;
  private queuedBytes = 0;
  private pumping = false;
  private closed = false;
  private dstBlocked = false;
  private queueBlocked = false;
  private endSeen = false;
  private drainWaiter: (() => void) | undefined;
  private changeWaiters: (() => void)[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  /** The source's side handler passes its chunk and end here, the destination's its drain. */
  constructor(
    private readonly src: Side,
    private readonly dst: Side,
    private readonly conn: ConnectionControl,
    readonly rng: Rng,
  ) {}

  /** Each chunk read from the source: a view into the source's read buffer, valid during the call. */
  onChunk(buf: Buffer): void {
    if (this.closed) return;
    if (this.fast) {
      if (!this.dst.write(buf)) {
        // Nothing more is read until drain, and by then the write is done with the
        // read buffer: it can be read into again (no new buffer per bulk chunk).
        this.dstBlocked = true;
        this.src.pause();
      } else if (this.dst.writing) {
        // a write not completed at once still points into the read buffer, and the
        // source keeps reading: the next read goes elsewhere
        this.src.claim();
      } else {
        this.conn.settled();
      }
      return;
    }
    this.queue.push({ buf: Buffer.from(buf), arrived: performance.now() });
    this.queuedBytes += buf.length;
    if (this.queuedBytes > QUEUE_HIGH && !this.queueBlocked) {
      this.queueBlocked = true;
      this.src.pause();
    }
    if (!this.pumping) void this.pump();
  }

  onEnd(): void {
    this.endSeen = true;
    if (this.closed) return;
    if (this.fast) {
      this.dst.end();
      return;
    }
    this.queue.push(END);
    if (!this.pumping) void this.pump();
  }

  onDrain(): void {
    const w = this.drainWaiter;
    this.drainWaiter = undefined;
    w?.();
    if (this.dstBlocked) {
      this.dstBlocked = false;
      if (!this.queueBlocked) this.src.resume();
    }
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    while (!this.closed && this.head < this.queue.length) {
      const item = this.queue[this.head];
      this.queue[this.head++] = END;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      if (item === END || item === undefined) {
        for (const stage of this.active) await stage.end?.();
        if (!this.closed) this.dst.end();
        continue;
      }
      this.queuedBytes -= item.buf.length;
      if (this.queueBlocked && this.queuedBytes < QUEUE_LOW) {
        this.queueBlocked = false;
        if (!this.dstBlocked) this.src.resume();
      }
      await this.run(this.active, 0, item.buf, item.arrived);
    }
    this.queue = [];
    this.head = 0;
    this.pumping = false;
    if (this.active.length === 0) this.fast = true;
  }

  private run(chain: readonly Stage[], i: number, buf: Buffer, arrived: number): Promise<void> | void {
    const stage = chain[i];
    if (stage === undefined) return this.write(buf);
    return stage.data(buf, arrived, (b, t) => this.run(chain, i + 1, b, t));
  }

  private write(buf: Buffer): Promise<void> | void {
    if (this.closed || this.dst.write(buf)) return;
    return new Promise((resolve) => {
      this.drainWaiter = resolve;
    });
  }

  /** Installs the toxics of this link's direction; `applies` decides toxicity for new ones. */
  setToxics(specs: readonly ToxicSpec[], applies: (spec: ToxicSpec) => boolean): void {
    if (this.closed) return;
    const next: Stage[] = [];
    for (const spec of specs) {
      const kept = this.active.find((s) => s.spec === spec);
      if (kept) next.push(kept);
      else if (applies(spec)) next.push(createStage(spec, this));
    }
    for (const s of this.active) if (!next.includes(s)) s.dispose?.();
    this.active = next;
    const waiters = this.changeWaiters;
    this.changeWaiters = [];
    for (const w of waiters) w();
    if (next.length > 0) this.fast = false;
    else if (!this.pumping && this.head >= this.queue.length) this.fast = true;
  }

  /** Nothing held, no toxic, no FIN seen: the link's sides could be handed to the native forwarder. */
  get idle(): boolean {
    return (
      this.fast &&
      !this.closed &&
      !this.endSeen &&
      this.active.length === 0 &&
      !this.pumping &&
      this.head >= this.queue.length &&
      !this.dstBlocked &&
      !this.queueBlocked
    );
  }

  /** Toxic names in force on this link (for tests and introspection). */
  activeToxics(): string[] {
    return this.active.map((s) => s.spec.name);
  }

  sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.closed) return ms <= 0 ? Promise.resolve() : new Promise(() => {});
    const target = performance.now() + ms;
    return new Promise((resolve) => {
      const tick = (): void => {
        const left = target - performance.now();
        if (left <= 0) {
          resolve();
          return;
        }
        const t = setTimeout(() => {
          this.timers.delete(t);
          tick();
        }, Math.ceil(left));
        this.timers.add(t);
      };
      tick();
    });
  }

  changed(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.closed) this.changeWaiters.push(resolve);
    });
  }

  has(stage: Stage): boolean {
    return this.active.includes(stage);
  }

  close(): void {
    this.conn.close();
  }

  reset(): void {
    this.conn.reset();
  }

  /** Stops the link for good: pending waits never resolve, timers are cleared. */
  shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.active) s.dispose?.();
    this.active = [];
    this.changeWaiters = [];
    this.drainWaiter = undefined;
    this.queue = [];
    this.head = 0;
  }
}
