// A follower replica takes the leader's entries in order, persists them (fsync)
// before confirming, and applies what the leader says is committed. The fixed leader
// is the authority: entries the follower holds that the leader does not (possible
// only when a node lost its WAL tail, as in the skip-fsync bug mode) are dropped.

import type { ReplicaLog } from './replica.ts';
import type { Entry } from './wal.ts';

export interface AppendRequest {
  readonly prevSeq: number;
  readonly prevEpoch: number;
  readonly entries: readonly Entry[];
  readonly commitSeq: number;
  readonly leaderLastSeq: number;
}

export interface AppendResponse {
  readonly ok: boolean;
  readonly lastSeq: number;
  readonly conflict?: boolean;
}

export class Follower {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(readonly log: ReplicaLog) {}

  read(key: string): string | null {
    return this.log.committed.get(key) ?? null;
  }

  /** Appends are handled one at a time per group. */
  append(req: AppendRequest): Promise<AppendResponse> {
    const next = this.chain.then(() => this.doAppend(req));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async doAppend(req: AppendRequest): Promise<AppendResponse> {
    const log = this.log;
    if (req.prevSeq > log.lastSeq) return { ok: false, lastSeq: log.lastSeq };
    if (req.prevSeq > 0 && log.entryAt(req.prevSeq)?.epoch !== req.prevEpoch) {
      return { ok: false, lastSeq: log.lastSeq, conflict: true };
    }
    let rewrite = false;
    const fresh: Entry[] = [];
    for (const e of req.entries) {
      const have = log.entryAt(e.seq);
      if (have && have.epoch === e.epoch) continue;
      if (have) {
        log.truncateFrom(e.seq);
        rewrite = true;
      }
      log.entries.push(e);
      fresh.push(e);
    }
    const end = req.prevSeq + req.entries.length;
    if (end === req.leaderLastSeq && log.lastSeq > end) {
      log.truncateFrom(end + 1);
      rewrite = true;
    }
    if (rewrite) {
      log.wal.rewrite(log.entries);
      await log.wal.reopen();
    } else if (fresh.length > 0) {
      await log.wal.append(fresh);
    }
    log.commitTo(Math.min(req.commitSeq, end));
    return { ok: true, lastSeq: log.lastSeq };
  }
}
