// The runner's network faults on docker clusters: a planned partition (its two sides,
// from harness/schedule/net-plan.ts) becomes namespace cuts held by the fault's id.
// Gateways go with their AZ: by the plan's AZ sides, or, for node-level shapes, with
// the side holding most of that AZ's nodes (a tie leaves them untouched), as the
// local provider's proxy layer does with its canaries.
//
// Link faults (latency, jitter, bandwidth, ...) need a proxy between the nodes: a run
// with them starts the run's fault-proxy container (fault-proxy.ts) and drives every
// network fault, partitions included, as toxics there (harness/faults/network.ts);
// these namespace actions then refuse them with a clear error.

import type { Topology } from '../../../targets/target.ts';
import type { ActionFactory } from '../../faults/executor.ts';
import type { NetPlan } from '../../schedule/net-plan.ts';
import { gatewayId } from './names.ts';
import { cutLinks, healOwner, type LinkPair } from './partition.ts';

/** Which sides (0, 1) each party is on: nodes by the plan, gateways by their AZ. */
export function sidesOfParties(topo: Topology, net: NetPlan): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  for (const n of topo.nodes) out.set(n.id, new Set([0, 1].filter((i) => net.sides[i]?.includes(n.id))));
  for (const az of topo.azs) {
    const s = new Set<number>();
    if (net.azSides)
      net.azSides.forEach((azs, i) => {
        if (azs.includes(az)) s.add(i);
      });
    else {
      const ids = topo.nodes.filter((n) => n.az === az).map((n) => n.id);
      const counts = net.sides.map((side) => ids.filter((id) => side.includes(id)).length);
      const max = Math.max(...counts);
      if (max > 0)
        counts.forEach((c, i) => {
          if (c === max) s.add(i);
        });
    }
    out.set(gatewayId(az), s);
  }
  return out;
}

/** Pairs from side A to side B; parties on both sides (a bridge) or neither are not cut. */
export function crossingPairs(topo: Topology, net: NetPlan): LinkPair[] {
  const sides = sidesOfParties(topo, net);
  const only = (i: number): string[] => [...sides].filter(([, s]) => s.size === 1 && s.has(i)).map(([p]) => p);
  const a = only(0);
  const b = only(1);
  return a.flatMap((from) => b.filter((to) => !to.startsWith('gw:') || !from.startsWith('gw:')).map((to) => ({ from, to })));
}

export const dockerPartitionAction: ActionFactory = (f, cluster) => {
  const net = f.net;
  if (!net) throw new Error(`fault ${f.id} (${f.kind}) has no sides planned`);
  if (f.kind !== 'partition') {
    throw new Error(
      `fault ${f.id}: ${f.kind} needs the run's fault proxy between nodes (DockerProvider option faultProxy, driven by ProxyNet), not namespace drops`,
    );
  }
  const pairs = crossingPairs(cluster.topology, net);
  return {
    inject: async () => void (await cutLinks(cluster, pairs, { oneWay: net.direction === 'a-to-b', reject: net.toxic === 'reset_peer', owner: f.id })),
    heal: async () => void (await healOwner(cluster, f.id)),
  };
};

/** Actions for every network fault kind on a docker cluster (for ExecuteOptions.actions). */
export function dockerNetActions(kinds: readonly string[]): Record<string, ActionFactory> {
  return Object.fromEntries(kinds.map((k) => [k, dockerPartitionAction]));
}
