// Who votes in a replication group, and how many make a majority (Raft's membership
// changes, one member at a time). A replica's membership is the last `config` entry in
// its log, committed or not (ReplicaLog.config()); before the first one it is the
// group's static spec: its three storage replicas. Elections, commits, check-quorum
// and leases all count a majority of that membership: 2 of 3, 3 of 4.

import type { Member } from './wal.ts';

export type { Member };

/** How many members make a majority of `n`. */
export const majority = (n: number): number => Math.floor(n / 2) + 1;

/** The static membership: the group's storage replicas. */
export const staticMembers = (replicas: readonly string[]): Member[] => replicas.map((id) => ({ id, kind: 'storage' as const }));

/** The highest value that a majority of the members have reached (`valueOf` a member; missing: `none`). */
export function quorumValue(members: readonly Member[], valueOf: (id: string) => number, none = 0): number {
  if (members.length === 0) return none;
  const sorted = members.map((m) => valueOf(m.id)).sort((a, b) => b - a);
  return sorted[majority(members.length) - 1] ?? none;
}

/** Votes of one ballot: only members count, each once; `won` once a majority granted. */
export class VoteTally {
  private readonly granted = new Set<string>();

  constructor(private readonly members: readonly Member[]) {}

  /** Records a grant; true once a majority of the members has granted. */
  grant(id: string): boolean {
    if (this.members.some((m) => m.id === id)) this.granted.add(id);
    return this.won;
  }

  get won(): boolean {
    return this.granted.size >= majority(this.members.length);
  }

  get count(): number {
    return this.granted.size;
  }
}

/** The one member a new membership adds or removes, or why it is not a single-member change of `from`. */
export function singleChange(from: readonly Member[], to: readonly Member[]): { added?: Member; removed?: Member } | { problem: string } {
  const ids = (l: readonly Member[]): Set<string> => new Set(l.map((m) => m.id));
  const a = ids(from);
  const b = ids(to);
  const added = to.filter((m) => !a.has(m.id));
  const removed = from.filter((m) => !b.has(m.id));
  if (added.length + removed.length !== 1) return { problem: `changes ${added.length + removed.length} members (one at a time)` };
  return added[0] ? { added: added[0] } : { removed: removed[0] as Member };
}
