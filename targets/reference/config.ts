// What one reference-cluster node is told at start: passed as JSON in the
// environment variable GAMEDAY_NODE_CONFIG (works the same for a local process
// and a container).

import type { GroupSpec } from './layout.ts';

export interface BugModes {
  /** Keep WAL writes in process memory and write them out (no fsync) every flushIntervalMs. */
  readonly skipFsync?: boolean;
  /** Leader acknowledges a write once its own WAL has it, before a follower does. */
  readonly ackBeforeQuorum?: boolean;
  /** Routers serve strongly consistent reads from the nearest replica instead of the leader. */
  readonly staleReads?: boolean;
  /** A leader serves strong reads without a lease, and keeps leading without a quorum until it sees a later term. */
  readonly noLease?: boolean;
  /** A replica grants a vote to every candidate of a term (whatever it voted before, itself included). */
  readonly voteTwice?: boolean;
  /** Terms and votes are kept in memory only: after a power-off a node starts from its last log entry's term, having voted for nobody. */
  readonly forgetTerm?: boolean;
}

export const BUG_MODES = ['skipFsync', 'ackBeforeQuorum', 'staleReads', 'noLease', 'voteTwice', 'forgetTerm'] as const;

export interface NodeConfig {
  readonly id: string;
  readonly az: string;
  readonly role: 'router' | 'storage';
  readonly listen: { readonly host: string; readonly port: number };
  readonly dataDir: string;
  readonly groups: readonly GroupSpec[];
  /** AZ of every storage node (routers prefer a replica in their own AZ for eventual reads). */
  readonly azOf: Readonly<Record<string, string>>;
  /** How this node reaches each peer: base URL by node id. */
  readonly peers: Readonly<Record<string, string>>;
  readonly bugs: BugModes;
  readonly flushIntervalMs: number;
  /** Router → storage request timeout; a timeout is reported as indeterminate. */
  readonly requestTimeoutMs: number;
  readonly quorumTimeoutMs: number;
  /** On-disk format of the WAL this build writes (build v1: 1, v2: 2); both read either. */
  readonly walFormat?: 1 | 2;
  /** The run's seed: election timeouts are drawn from it. */
  readonly seed?: number;
  /** Election timing (defaults in storage-node.ts). */
  readonly timing?: {
    readonly heartbeatMs?: number;
    readonly electionMinMs?: number;
    readonly electionMaxMs?: number;
    readonly leaseMs?: number;
    /** A storage member silent this long is replaced by a log replica (default 2000 ms). */
    readonly logReplicaAfterMs?: number;
  };
}

/** How long a storage member may confirm nothing before its group's leader puts a log replica in its place (timing.logReplicaAfterMs; target.options.log-replica-after). */
export const DEFAULT_LOG_REPLICA_AFTER_MS = 2000;

export function parseNodeConfig(text: string | undefined): NodeConfig {
  if (!text) throw new Error('GAMEDAY_NODE_CONFIG is not set: this program is started by gameday with its node configuration');
  const c = JSON.parse(text) as NodeConfig;
  for (const f of ['id', 'az', 'role', 'listen', 'dataDir', 'groups', 'peers'] as const) {
    if (c[f] === undefined) throw new Error(`GAMEDAY_NODE_CONFIG lacks "${f}"`);
  }
  return c;
}
