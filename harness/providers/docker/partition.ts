// The partition API the fault layer calls for docker clusters. Parties are node ids
// and AZ gateways (`gatewayId(az)`, through which that AZ's canaries reach the
// cluster): cutting an AZ off means cutting its nodes *and* its gateway off.
//
// A pair {from, to} is cut both ways unless `oneWay`, where only packets from `from`
// to `to` are dropped. Every call is idempotent and returns how long it took.

import type { StartedCluster } from '../provider.ts';
import { DockerCluster } from './docker-cluster.ts';
import type { DirectedLink } from './journal.ts';
import { gatewayId } from './names.ts';

export interface LinkPair {
  readonly from: string;
  readonly to: string;
}

export interface LinkChange {
  /** Directed links cut after the call. */
  readonly cut: readonly DirectedLink[];
  readonly ms: number;
}

export class NotDockerClusterError extends Error {
  override readonly name = 'NotDockerClusterError';
  constructor(provider: string) {
    super(`namespace partitions need a cluster of the docker provider, got "${provider}"`);
  }
}

export function asDockerCluster(cluster: StartedCluster): DockerCluster {
  if (!(cluster instanceof DockerCluster)) throw new NotDockerClusterError(cluster.provider);
  return cluster;
}

const directed = (pairs: readonly LinkPair[], oneWay: boolean): DirectedLink[] =>
  pairs.flatMap((p) => (oneWay ? [{ from: p.from, to: p.to }] : [{ from: p.from, to: p.to }, { from: p.to, to: p.from }]));

async function timed(cluster: DockerCluster, f: () => Promise<void>): Promise<LinkChange> {
  const t0 = performance.now();
  await f();
  return { cut: cluster.cutLinks(), ms: performance.now() - t0 };
}

export function cutLinks(cluster: StartedCluster, pairs: readonly LinkPair[], oneWay = false): Promise<LinkChange> {
  const c = asDockerCluster(cluster);
  return timed(c, () => c.changeLinks(directed(pairs, oneWay), []));
}

export function healLinks(cluster: StartedCluster, pairs: readonly LinkPair[], oneWay = false): Promise<LinkChange> {
  const c = asDockerCluster(cluster);
  return timed(c, () => c.changeLinks([], directed(pairs, oneWay)));
}

export function healAllLinks(cluster: StartedCluster): Promise<LinkChange> {
  const c = asDockerCluster(cluster);
  return timed(c, () => c.changeLinks([], c.cutLinks()));
}

/** The parties of one AZ: its nodes and its canary gateway. */
export function azParties(cluster: StartedCluster, az: string): string[] {
  return [...cluster.topology.nodes.filter((n) => n.az === az).map((n) => n.id), gatewayId(az)];
}

/** Every pair between `side` and the other parties (nodes and gateways) of the cluster. */
export function isolate(cluster: StartedCluster, side: readonly string[]): LinkPair[] {
  const inside = new Set(side);
  const others = asDockerCluster(cluster).partyIds().filter((p) => !inside.has(p));
  return side.flatMap((from) => others.map((to) => ({ from, to })));
}
