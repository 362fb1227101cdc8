// One replica of one replication group: its log (persisted in a WAL), the state
// machine applied from the committed prefix, and its checksum for the scrub.
// Elections live in group.ts, the leader's side in leader.ts, the follower's in follower.ts.

import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { readWal, Wal, type Command, type Entry, type WalOptions } from './wal.ts';

export class ReplicaLog {
  readonly entries: Entry[] = []; // entries[i].seq === i + 1
  /** State after every committed entry (what reads see). */
  readonly committed = new Map<string, string>();
  appliedSeq = 0;
  commitSeq = 0;
  readonly wal: Wal;

  constructor(
    readonly group: string,
    dataDir: string,
    walOpts: WalOptions,
  ) {
    const path = join(dataDir, `${group}.wal`);
    this.wal = new Wal(path, walOpts);
    for (const e of readWal(path)) {
      if (e.seq !== this.entries.length + 1) break; // defensive: a gap means a damaged tail
      this.entries.push(e);
    }
  }

  get lastSeq(): number {
    return this.entries.length;
  }

  /** Term of the last entry (0 for an empty log): with lastSeq, how up to date the log is. */
  get lastTerm(): number {
    return this.entries[this.entries.length - 1]?.term ?? 0;
  }

  termAt(seq: number): number {
    return seq === 0 ? 0 : (this.entries[seq - 1]?.term ?? -1);
  }

  entryAt(seq: number): Entry | undefined {
    return this.entries[seq - 1];
  }

  /** Applies committed entries up to `seq` (bounded by what the log holds). */
  commitTo(seq: number): void {
    const upTo = Math.min(seq, this.lastSeq);
    if (upTo > this.commitSeq) this.commitSeq = upTo;
    while (this.appliedSeq < this.commitSeq) {
      const e = this.entries[this.appliedSeq] as Entry;
      applyCommand(this.committed, e.cmd);
      this.appliedSeq++;
    }
  }

  /** Drops entries from `seq` on and rebuilds the applied state from the log. */
  truncateFrom(seq: number): void {
    this.entries.length = Math.max(0, seq - 1);
    this.committed.clear();
    this.appliedSeq = 0;
    this.commitSeq = Math.min(this.commitSeq, this.lastSeq);
    this.commitTo(this.commitSeq);
  }

  checksum(): string {
    return checksumOf(this.committed);
  }
}

/** The scrub's checksum of a replica's committed state (also of the reference replica rebuilt from the archived WALs: reference-replica.ts). */
export function checksumOf(state: ReadonlyMap<string, string>): string {
  const h = createHash('sha256');
  for (const k of [...state.keys()].sort()) h.update(`${k}\u0000${state.get(k)}\u0001`);
  return h.digest('hex').slice(0, 16);
}

export function applyCommand(state: Map<string, string>, cmd: Command): void {
  if (cmd.op === 'put') state.set(cmd.key, cmd.value);
  else if (cmd.op === 'delete') state.delete(cmd.key);
}
