// The follower's side of replication (Raft's AppendEntries): the leader of a term
// sends the entries after (prevSeq, prevTerm); the follower takes them only if its
// own log has that entry, drops its entries that conflict with them (same seq, other
// term: never committed, or the leader of a later term would have them), persists
// what is new (fsync) before confirming, and applies what the leader says is
// committed, up to the last entry it knows to match the leader's log. The term
// checks (a stale leader is refused) are in group.ts.

import type { ReplicaLog } from './replica.ts';
import type { Entry } from './wal.ts';

export interface AppendRequest {
  readonly group: string;
  readonly term: number;
  readonly leader: string;
  readonly prevSeq: number;
  readonly prevTerm: number;
  readonly entries: readonly Entry[];
  readonly commitSeq: number;
  /** The receiving node is to host a log replica of the group if it holds no replica of it (storage-node.ts). */
  readonly asLogReplica?: boolean;
}

export interface AppendResponse {
  readonly term: number;
  readonly ok: boolean;
  readonly lastSeq: number;
  /** On a refusal: where the leader should resend from (the first entry of the conflicting term, or just past the follower's log). */
  readonly nextSeq?: number;
}

/** Applies an append the group has already accepted by term; the answer's term is filled in by the caller. */
export async function followerAppend(log: ReplicaLog, req: AppendRequest): Promise<Omit<AppendResponse, 'term'>> {
  if (req.prevSeq > log.lastSeq) return { ok: false, lastSeq: log.lastSeq, nextSeq: log.lastSeq + 1 };
  const have = log.termAt(req.prevSeq);
  if (have !== req.prevTerm) {
    let first = req.prevSeq;
    while (first > 1 && log.termAt(first - 1) === have) first--;
    return { ok: false, lastSeq: log.lastSeq, nextSeq: Math.max(1, first) };
  }
  let rewrite = false;
  const fresh: Entry[] = [];
  for (const e of req.entries) {
    const mine = log.entryAt(e.seq);
    if (mine && mine.term === e.term) continue;
    if (mine) {
      log.truncateFrom(e.seq);
      rewrite = true;
    }
    log.entries.push(e);
    fresh.push(e);
  }
  if (rewrite) {
    log.wal.rewrite(log.entries);
    await log.wal.reopen();
  } else if (fresh.length > 0) {
    await log.wal.append(fresh);
  }
  log.commitTo(Math.min(req.commitSeq, req.prevSeq + req.entries.length));
  return { ok: true, lastSeq: log.lastSeq };
}
