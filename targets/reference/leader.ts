// The leader of a replication group for one term (group.ts elects it). It first
// writes a no-op entry of its term, so that whatever earlier leaders left in its log
// commits with it; then it orders writes: each is appended to its own WAL (fsync),
// replicated to both followers, and acknowledged once a follower has it on disk too
// (2 of 3 replicas). An entry commits by counting replicas only when it is of the
// leader's own term (Raft's rule; earlier ones commit with it).
//
// Strong reads need a lease: a follower that confirmed an append sent at time t
// promises not to help elect anyone before t + the shortest election timeout, so the
// leader serves reads until t + leaseMs (leaseMs is shorter), measured from before it
// sent that append. Bug mode no-lease: it serves them while it believes it leads.

import { callJson, sleep } from './http.ts';
import { applyCommand, type ReplicaLog } from './replica.ts';
import type { AppendRequest, AppendResponse } from './follower.ts';
import type { Command, Entry } from './wal.ts';

export interface LeaderOptions {
  readonly self: string;
  readonly term: number;
  readonly followers: readonly { readonly id: string; readonly url: string }[];
  /** Bug mode: acknowledge as soon as the leader's own WAL has it, before a quorum does. */
  readonly ackBeforeQuorum: boolean;
  /** Bug mode: serve strong reads without a lease. */
  readonly noLease: boolean;
  readonly quorumTimeoutMs: number;
  readonly heartbeatMs: number;
  readonly leaseMs: number;
  /** A follower answered with a later term: the group steps down. */
  readonly onHigherTerm: (term: number) => void;
}

export type WriteRequest =
  | { readonly op: 'put'; readonly key: string; readonly value: string }
  | { readonly op: 'delete'; readonly key: string }
  | { readonly op: 'cas'; readonly key: string; readonly expected: string | null; readonly value: string };

export type WriteResult =
  | { readonly status: 200; readonly body: { readonly ok: true; readonly seq: number } }
  | { readonly status: 409; readonly body: { readonly ok: false; readonly error: string; readonly current: string | null } }
  | { readonly status: 503; readonly body: { readonly ok: false; readonly error: string; readonly indeterminate: boolean } };

interface FollowerState {
  readonly id: string;
  readonly url: string;
  nextSeq: number;
  matchSeq: number;
  /** When the last append this follower confirmed was sent (performance.now()). */
  ackedSentAt: number;
}

const BATCH = 500;

export class Leader {
  readonly since = performance.now();
  /** State after every entry in the log, committed or not (what a compare-and-set compares with). */
  private readonly head = new Map<string, string>();
  private durableSeq: number;
  private noopSeq = Number.POSITIVE_INFINITY;
  private readonly followers: FollowerState[];
  private waiters: { seq: number; resolve: (ok: boolean) => void }[] = [];
  private kick: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly log: ReplicaLog,
    private readonly opts: LeaderOptions,
  ) {
    for (const [k, v] of log.committed) this.head.set(k, v);
    for (const e of log.entries.slice(log.appliedSeq)) applyCommand(this.head, e.cmd);
    this.durableSeq = log.lastSeq;
    this.followers = opts.followers.map((f) => ({ ...f, nextSeq: log.lastSeq + 1, matchSeq: 0, ackedSentAt: Number.NEGATIVE_INFINITY }));
  }

  get term(): number {
    return this.opts.term;
  }

  start(): void {
    this.append({ op: 'noop' }).then(
      (seq) => {
        if (seq !== undefined) this.noopSeq = seq;
      },
      () => this.opts.onHigherTerm(this.opts.term), // its own WAL failed: step down, another replica can lead
    );
    for (const f of this.followers) void this.replicate(f);
  }

  stop(): void {
    this.stopped = true;
    this.wake();
    for (const w of this.waiters) w.resolve(false);
    this.waiters = [];
  }

  /** Until when (performance.now()) a strong read may be served: a follower's promise, counted from before the append it confirmed was sent. */
  leaseUntil(): number {
    return Math.max(...this.followers.map((f) => f.ackedSentAt)) + this.opts.leaseMs;
  }

  /** When a quorum last confirmed this leader (the newest append a follower confirmed, or the election). */
  lastQuorumAt(): number {
    return Math.max(this.since, ...this.followers.map((f) => f.ackedSentAt));
  }

  /** The committed value for a strong read, or why this leader may not serve one now. */
  read(key: string): { readonly value: string | null } | { readonly refused: string } {
    if (this.log.commitSeq < this.noopSeq) return { refused: `leader of term ${this.opts.term} has not committed an entry of its term yet` };
    if (!this.opts.noLease && performance.now() >= this.leaseUntil())
      return { refused: `leader of term ${this.opts.term} holds no lease (no follower confirmed it within ${this.opts.leaseMs} ms)` };
    return { value: this.log.committed.get(key) ?? null };
  }

  async write(req: WriteRequest): Promise<WriteResult> {
    let cmd: Command;
    if (req.op === 'cas') {
      const current = this.head.get(req.key) ?? null;
      if (current !== req.expected) {
        // The value it differs from may belong to a write that is not committed yet:
        // answer only once everything this decision saw is committed, or a read that
        // follows could still see the older value (caught by the linearizable check).
        const seen = this.log.lastSeq;
        if (await this.waitCommit(seen)) return { status: 409, body: { ok: false, error: 'precondition failed', current } };
        return { status: 503, body: { ok: false, error: 'no quorum to confirm the current value; not applied', indeterminate: false } };
      }
      cmd = { op: 'put', key: req.key, value: req.value };
    } else cmd = req;
    let seq: number | undefined;
    try {
      seq = await this.append(cmd);
    } catch (err) {
      return { status: 503, body: { ok: false, error: `wal: ${(err as Error).message}`, indeterminate: true } };
    }
    if (seq === undefined) return { status: 503, body: { ok: false, error: 'no longer the leader', indeterminate: true } };
    if (this.opts.ackBeforeQuorum) return { status: 200, body: { ok: true, seq } };
    const ok = await this.waitCommit(seq);
    if (ok) return { status: 200, body: { ok: true, seq } };
    return { status: 503, body: { ok: false, error: 'no quorum: no follower confirmed the write in time', indeterminate: true } };
  }

  status(): { term: number; lastSeq: number; commitSeq: number; followers: { id: string; matchSeq: number }[] } {
    return {
      term: this.opts.term,
      lastSeq: this.log.lastSeq,
      commitSeq: this.log.commitSeq,
      followers: this.followers.map((f) => ({ id: f.id, matchSeq: f.matchSeq })),
    };
  }

  /** Appends one entry of this term to the leader's own WAL; its seq once durable (undefined if the leader stopped meanwhile). */
  private async append(cmd: Command): Promise<number | undefined> {
    if (this.stopped) return undefined;
    const entry: Entry = { seq: this.log.lastSeq + 1, term: this.opts.term, cmd };
    this.log.entries.push(entry);
    applyCommand(this.head, cmd);
    await this.log.wal.append([entry]);
    if (this.stopped) return undefined;
    if (entry.seq > this.durableSeq) this.durableSeq = entry.seq;
    this.wake();
    return entry.seq;
  }

  private waitCommit(seq: number): Promise<boolean> {
    if (this.log.commitSeq >= seq) return Promise.resolve(true);
    if (this.stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      const w = { seq, resolve };
      this.waiters.push(w);
      setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) {
          this.waiters.splice(i, 1);
          resolve(false);
        }
      }, this.opts.quorumTimeoutMs).unref();
    });
  }

  private advanceCommit(): void {
    const best = Math.min(this.durableSeq, Math.max(...this.followers.map((f) => f.matchSeq)));
    if (best <= this.log.commitSeq || this.log.termAt(best) !== this.opts.term) return;
    this.log.commitTo(best);
    const done = this.waiters.filter((w) => w.seq <= this.log.commitSeq);
    this.waiters = this.waiters.filter((w) => w.seq > this.log.commitSeq);
    for (const w of done) w.resolve(true);
  }

  private wake(): void {
    const k = this.kick;
    this.kick = [];
    for (const f of k) f();
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.kick.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  private async replicate(f: FollowerState): Promise<void> {
    while (!this.stopped) {
      const from = f.nextSeq;
      const to = Math.min(this.durableSeq, from + BATCH - 1);
      const entries = this.log.entries.slice(from - 1, to);
      const prevSeq = from - 1;
      const req: AppendRequest = {
        group: this.log.group,
        term: this.opts.term,
        leader: this.opts.self,
        prevSeq,
        prevTerm: this.log.termAt(prevSeq),
        entries,
        commitSeq: this.log.commitSeq,
      };
      const sentAt = performance.now();
      try {
        const res = await callJson(`${f.url}/repl/append`, 'POST', req, Math.max(300, this.opts.quorumTimeoutMs));
        if (this.stopped) return;
        const b = res.body as unknown as AppendResponse;
        if (res.status !== 200) {
          await sleep(this.opts.heartbeatMs);
          continue;
        }
        if (b.term > this.opts.term) {
          this.opts.onHigherTerm(b.term);
          return;
        }
        if (b.ok) {
          f.matchSeq = Math.max(f.matchSeq, prevSeq + entries.length);
          f.nextSeq = prevSeq + entries.length + 1;
          if (sentAt > f.ackedSentAt) f.ackedSentAt = sentAt;
          this.advanceCommit();
        } else if (b.nextSeq === undefined) {
          await sleep(this.opts.heartbeatMs); // refused without a hint (another leader of this term): try again later
          continue;
        } else {
          f.nextSeq = Math.max(1, Math.min(b.nextSeq, prevSeq));
          if (f.matchSeq >= f.nextSeq) f.matchSeq = f.nextSeq - 1;
          continue;
        }
      } catch {
        await sleep(this.opts.heartbeatMs);
        continue;
      }
      if (f.nextSeq > this.durableSeq) await this.idle(this.opts.heartbeatMs);
    }
  }
}
