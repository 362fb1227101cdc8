// The configuration files of the Redis target's nodes: redis.conf for a data node,
// sentinel.conf for a Sentinel. Written once, at a node's first start, into its data
// folder; both processes rewrite their own file afterwards (Sentinel records what it
// learns, and a failover's REPLICAOF is made lasting by CONFIG REWRITE), so a node
// powered off and on comes back with what it knew, as a real one does.
//
// Every node announces its own loopback address: from one 127.0.A.x address to
// another, Linux picks 127.0.0.1 as the source, which is not where anyone listens.

import { createHash } from 'node:crypto';
import type { Address } from '../target.ts';

/** The name the Sentinels monitor the primary under (what clients ask them for). */
export const MASTER_NAME = 'gameday';

/** How fast Sentinel acts: quick, so that a game day of seconds sees a whole failover. */
export interface SentinelTiming {
  /** Silence after which a Sentinel holds the primary subjectively down. */
  readonly downAfterMs: number;
  /** Redis's failover-timeout (retry of a failover, reconfiguration of replicas). */
  readonly failoverTimeoutMs: number;
}

export const DEFAULT_TIMING: SentinelTiming = { downAfterMs: 1000, failoverTimeoutMs: 3000 };

/** A Sentinel's run id, fixed per node so that every Sentinel can be told of the others from the start. */
export const sentinelId = (nodeId: string): string => createHash('sha1').update(`gameday-sentinel:${nodeId}`).digest('hex');

export function dataNodeConf(o: { listen: Address; announce?: Address; dataDir: string; replicaOf?: Address }): string {
  const announce = o.announce ?? o.listen;
  return [
    `bind ${o.listen.host}`,
    `port ${o.listen.port}`,
    'protected-mode no',
    `dir ${o.dataDir}`,
    'daemonize no',
    // on disk as a real deployment would be; the loss this target shows is replication's, not fsync's
    'appendonly yes',
    'appendfsync everysec',
    'save ""',
    `replica-announce-ip ${announce.host}`,
    `replica-announce-port ${announce.port}`,
    // a full resync starts at once (the default waits 5 s for more replicas to join)
    'repl-diskless-sync yes',
    'repl-diskless-sync-delay 0',
    // asynchronous replication with nothing holding writes back: Redis's default, and why writes can be lost
    'min-replicas-to-write 0',
    ...(o.replicaOf ? [`replicaof ${o.replicaOf.host} ${o.replicaOf.port}`] : []),
    '',
  ].join('\n');
}

export function sentinelConf(o: {
  nodeId: string;
  listen: Address;
  /** What it tells the others (default listen). */
  announce?: Address;
  dataDir: string;
  primary: Address;
  replicas: readonly Address[];
  sentinels: readonly { readonly nodeId: string; readonly address: Address }[];
  quorum: number;
  timing: SentinelTiming;
}): string {
  const m = MASTER_NAME;
  const announce = o.announce ?? o.listen;
  return [
    `bind ${o.listen.host}`,
    `port ${o.listen.port}`,
    'protected-mode no',
    `dir ${o.dataDir}`,
    'daemonize no',
    `sentinel myid ${sentinelId(o.nodeId)}`,
    `sentinel announce-ip ${announce.host}`,
    `sentinel announce-port ${announce.port}`,
    `sentinel monitor ${m} ${o.primary.host} ${o.primary.port} ${o.quorum}`,
    `sentinel down-after-milliseconds ${m} ${o.timing.downAfterMs}`,
    `sentinel failover-timeout ${m} ${o.timing.failoverTimeoutMs}`,
    `sentinel parallel-syncs ${m} ${o.replicas.length}`,
    // told up front what it would otherwise learn from the primary's INFO, polled only every 10 s
    ...o.replicas.map((r) => `sentinel known-replica ${m} ${r.host} ${r.port}`),
    ...o.sentinels.filter((s) => s.nodeId !== o.nodeId).map((s) => `sentinel known-sentinel ${m} ${s.address.host} ${s.address.port} ${sentinelId(s.nodeId)}`),
    '',
  ].join('\n');
}
