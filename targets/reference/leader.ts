// The leader of a replication group orders its writes: it appends each write to its
// own WAL (fsync), replicates the durable prefix to both followers, and acknowledges
// once a follower has it too (2 of 3 replicas, each on disk). Reads see the
// committed prefix. The leader is fixed per group (no failover yet): when it is
// powered off, writes to its group fail fast at the router.

import { callJson, sleep } from './http.ts';
import { applyCommand, type ReplicaLog } from './replica.ts';
import type { Command, Entry } from './wal.ts';

export interface LeaderOptions {
  readonly followers: readonly { readonly id: string; readonly url: string }[];
  /** Bug mode: acknowledge as soon as the leader's own WAL has it, before a quorum does. */
  readonly ackBeforeQuorum: boolean;
  readonly quorumTimeoutMs: number;
  readonly heartbeatMs: number;
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
}

const BATCH = 500;

export class Leader {
  readonly epoch = Date.now();
  private readonly head = new Map<string, string>();
  private durableSeq: number;
  private readonly followers: FollowerState[];
  private waiters: { seq: number; resolve: (ok: boolean) => void }[] = [];
  private kick: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly log: ReplicaLog,
    private readonly opts: LeaderOptions,
  ) {
    // Everything in the leader's own WAL counts as committed after a restart: an entry
    // that never reached a quorum was never acknowledged, so it may take effect.
    log.commitTo(log.lastSeq);
    for (const [k, v] of log.committed) this.head.set(k, v);
    this.durableSeq = log.lastSeq;
    this.followers = opts.followers.map((f) => ({ ...f, nextSeq: log.lastSeq + 1, matchSeq: 0 }));
  }

  start(): void {
    for (const f of this.followers) void this.replicate(f);
  }

  stop(): void {
    this.stopped = true;
    this.wake();
    for (const w of this.waiters) w.resolve(false);
    this.waiters = [];
  }

  read(key: string): string | null {
    return this.log.committed.get(key) ?? null;
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
    const entry: Entry = { seq: this.log.lastSeq + 1, epoch: this.epoch, cmd };
    this.log.entries.push(entry);
    applyCommand(this.head, cmd);
    try {
      await this.log.wal.append([entry]);
    } catch (err) {
      return { status: 503, body: { ok: false, error: `wal: ${(err as Error).message}`, indeterminate: true } };
    }
    if (entry.seq > this.durableSeq) this.durableSeq = entry.seq;
    this.wake();
    if (this.opts.ackBeforeQuorum) return { status: 200, body: { ok: true, seq: entry.seq } };
    const ok = await this.waitCommit(entry.seq);
    if (ok) return { status: 200, body: { ok: true, seq: entry.seq } };
    return { status: 503, body: { ok: false, error: 'no quorum: no follower confirmed the write in time', indeterminate: true } };
  }

  status(): { lastSeq: number; commitSeq: number; followers: { id: string; matchSeq: number }[] } {
    return {
      lastSeq: this.log.lastSeq,
      commitSeq: this.log.commitSeq,
      followers: this.followers.map((f) => ({ id: f.id, matchSeq: f.matchSeq })),
    };
  }

  private waitCommit(seq: number): Promise<boolean> {
    if (this.log.commitSeq >= seq) return Promise.resolve(true);
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
    if (best <= this.log.commitSeq) return;
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
      const prevEpoch = prevSeq > 0 ? (this.log.entryAt(prevSeq)?.epoch ?? 0) : 0;
      try {
        const res = await callJson(`${f.url}/repl/append`, 'POST', {
          group: this.log.group,
          prevSeq,
          prevEpoch,
          entries,
          commitSeq: this.log.commitSeq,
          leaderLastSeq: this.durableSeq,
        }, 1000);
        const b = res.body as { ok?: boolean; lastSeq?: number; conflict?: boolean };
        if (res.status === 200 && b.ok) {
          f.matchSeq = Math.max(f.matchSeq, prevSeq + entries.length);
          f.nextSeq = prevSeq + entries.length + 1;
          this.advanceCommit();
        } else if (res.status === 200 && !b.conflict && typeof b.lastSeq === 'number' && b.lastSeq < prevSeq) {
          f.nextSeq = b.lastSeq + 1;
          continue;
        } else {
          f.nextSeq = 1; // diverged log: resend from the start, the follower skips what it has
          f.matchSeq = 0;
          continue;
        }
      } catch {
        await sleep(100);
        continue;
      }
      if (f.nextSeq > this.durableSeq) await this.idle(this.opts.heartbeatMs);
    }
  }
}
