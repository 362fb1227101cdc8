// One replica of one replication group: its log (persisted in a WAL), the state
// machine applied from the committed prefix, and its checksum for the scrub.
// Elections live in group.ts, the leader's side in leader.ts, the follower's in follower.ts.
// A log replica's ReplicaLog (applies: false) keeps the log and its commit point only;
// its checksum replays the committed prefix on demand.

import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { readWal, Wal, type Command, type Entry, type Member, type WalOptions } from './wal.ts';

export interface ReplicaLogOptions {
  /** The WAL's file name in the data folder (default `<group>.wal`; a log replica's is `<group>.logwal`). */
  readonly file?: string;
  /** false: a log replica, which applies nothing (reads of `committed` see nothing). Default true. */
  readonly applies?: boolean;
}

export class ReplicaLog {
  readonly entries: Entry[] = []; // entries[i].seq === i + 1
  /** State after every committed entry (what reads see). */
  readonly committed = new Map<string, string>();
  appliedSeq = 0;
  commitSeq = 0;
  readonly wal: Wal;
  readonly applies: boolean;
  /** The last config entry among entries[0, scanned), and every log replica any config entry there named. */
  private scanned = 0;
  private lastConfig: { readonly seq: number; readonly members: readonly Member[] } | undefined;
  private logMembers = new Set<string>();

  constructor(
    readonly group: string,
    dataDir: string,
    walOpts: WalOptions,
    opts: ReplicaLogOptions = {},
  ) {
    this.applies = opts.applies ?? true;
    const path = join(dataDir, opts.file ?? `${group}.wal`);
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

  /** The last config entry in the log (committed or not): the membership in force for this replica; undefined: the static one. */
  config(): { readonly seq: number; readonly members: readonly Member[] } | undefined {
    this.scan();
    return this.lastConfig;
  }

  /** Every log replica that a config entry in this log has named. */
  logMembersEver(): ReadonlySet<string> {
    this.scan();
    return this.logMembers;
  }

  private scan(): void {
    if (this.scanned > this.entries.length) this.forgetScan();
    for (; this.scanned < this.entries.length; this.scanned++) {
      const e = this.entries[this.scanned] as Entry;
      if (e.cmd.op !== 'config') continue;
      this.lastConfig = { seq: e.seq, members: e.cmd.members };
      for (const m of e.cmd.members) if (m.kind === 'log') this.logMembers.add(m.id);
    }
  }

  private forgetScan(): void {
    this.scanned = 0;
    this.lastConfig = undefined;
    this.logMembers = new Set();
  }

  /** Applies committed entries up to `seq` (bounded by what the log holds); a log replica only moves its commit point. */
  commitTo(seq: number): void {
    const upTo = Math.min(seq, this.lastSeq);
    if (upTo > this.commitSeq) this.commitSeq = upTo;
    if (!this.applies) {
      this.appliedSeq = this.commitSeq;
      return;
    }
    while (this.appliedSeq < this.commitSeq) {
      const e = this.entries[this.appliedSeq] as Entry;
      applyCommand(this.committed, e.cmd);
      this.appliedSeq++;
    }
  }

  /** Drops entries from `seq` on and rebuilds the applied state from the log. */
  truncateFrom(seq: number): void {
    this.entries.length = Math.max(0, seq - 1);
    this.forgetScan();
    this.committed.clear();
    this.appliedSeq = 0;
    this.commitSeq = Math.min(this.commitSeq, this.lastSeq);
    this.commitTo(this.commitSeq);
  }

  checksum(): string {
    return checksumOf(this.committed);
  }

  /** The state after entries 1..seq, replayed from the log (a log replica's scrub; the same checksum as a storage replica's at that seq). */
  replay(seq: number): Map<string, string> {
    const state = new Map<string, string>();
    for (const e of this.entries.slice(0, Math.min(seq, this.lastSeq))) applyCommand(state, e.cmd);
    return state;
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
