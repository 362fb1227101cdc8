// The partition API the fault layer calls for docker clusters. Parties are node ids
// and AZ gateways (`gatewayId(az)`, through which that AZ's canaries reach the
// cluster): cutting an AZ off means cutting its nodes *and* its gateway off.
//
// A pair {from, to} is cut both ways unless `oneWay`, where only packets from `from`
// to `to` are lost. Cuts are held by an owner (a fault id; "manual" by default): a
// link stays cut while any owner holds it, so overlapping faults compose and each
// heal removes only its own. Every call is idempotent and says how long it took.

import type { StartedCluster } from '../provider.ts';
import { DockerCluster } from './docker-cluster.ts';
import type { DirectedLink } from './journal.ts';
import { gatewayId } from './names.ts';

export interface LinkPair {
  readonly from: string;
  readonly to: string;
}

export interface CutOptions {
  /** only packets from `from` to `to` are lost */
  readonly oneWay?: boolean;
  /** TCP is answered with a reset (a refusal) instead of silence (a timeout) */
  readonly reject?: boolean;
  /** who holds the cut (a fault id); default "manual" */
  readonly owner?: string;
}

export interface LinkChange {
  /** Directed links cut (by any owner) after the call. */
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

const options = (o: boolean | CutOptions): CutOptions => (typeof o === 'boolean' ? { oneWay: o } : o);

export const directed = (pairs: readonly LinkPair[], oneWay: boolean): DirectedLink[] =>
  pairs.flatMap((p) =>
    oneWay
      ? [{ from: p.from, to: p.to }]
      : [
          { from: p.from, to: p.to },
          { from: p.to, to: p.from },
        ],
  );

async function timed(cluster: DockerCluster, f: () => Promise<void>): Promise<LinkChange> {
  const t0 = performance.now();
  await f();
  return { cut: cluster.cutLinks(), ms: performance.now() - t0 };
}

export function cutLinks(cluster: StartedCluster, pairs: readonly LinkPair[], opts: boolean | CutOptions = false): Promise<LinkChange> {
  const c = asDockerCluster(cluster);
  const o = options(opts);
  return timed(c, () => c.hold(o.owner ?? 'manual', directed(pairs, o.oneWay ?? false), o.reject ?? false));
}

/** The owner (default "manual") lets go of these pairs; other owners' cuts of them stay. */
export function healLinks(cluster: StartedCluster, pairs: readonly LinkPair[], opts: boolean | Omit<CutOptions, 'reject'> = false): Promise<LinkChange> {
  const c = asDockerCluster(cluster);
  const o = options(opts);
  return timed(c, () => c.release(o.owner ?? 'manual', directed(pairs, o.oneWay ?? false)));
}

/** Everything `owner` (a fault id) holds. */
export function healOwner(cluster: StartedCluster, owner: string): Promise<LinkChange> {
  const c = asDockerCluster(cluster);
  return timed(c, () => c.release(owner));
}

export function healAllLinks(cluster: StartedCluster): Promise<LinkChange> {
  const c = asDockerCluster(cluster);
  return timed(c, () => c.releaseAll());
}

/** The parties of one AZ: its nodes and its canary gateway. */
export function azParties(cluster: StartedCluster, az: string): string[] {
  return [...cluster.topology.nodes.filter((n) => n.az === az).map((n) => n.id), gatewayId(az)];
}

/** Every pair between `side` and the other parties (nodes and gateways) of the cluster. */
export function isolate(cluster: StartedCluster, side: readonly string[]): LinkPair[] {
  const inside = new Set(side);
  const others = asDockerCluster(cluster)
    .partyIds()
    .filter((p) => !inside.has(p));
  return side.flatMap((from) => others.map((to) => ({ from, to })));
}
