// The reference cluster's shape: which storage nodes replicate which partition
// (replication group), which replica stands first for leader, and which group owns a key.
// Pure and shared by routers, storage nodes, the target adapter and the harness.

import type { NodeInfo, Topology } from '../target.ts';

export interface GroupSpec {
  readonly id: string;
  /** Three storage nodes, one in each of three different AZs. */
  readonly replicas: readonly string[];
  /** Preferred leader: stands first when the cluster is new (leadership moves when it fails; group.ts). */
  readonly leader: string;
}

export interface ReferenceShape {
  readonly azs: number;
  readonly routersPerAz: number;
  readonly storagePerAz: number;
  readonly groups: number;
}

export const DEFAULT_SHAPE: ReferenceShape = { azs: 3, routersPerAz: 1, storagePerAz: 2, groups: 6 };

export function buildTopology(shape: ReferenceShape = DEFAULT_SHAPE): Topology {
  const azs = Array.from({ length: shape.azs }, (_, i) => `az${i + 1}`);
  const nodes: NodeInfo[] = [];
  for (const az of azs) {
    for (let i = 1; i <= shape.routersPerAz; i++) nodes.push({ id: `${az}-router-${i}`, az, role: 'router', public: true });
    for (let i = 1; i <= shape.storagePerAz; i++) nodes.push({ id: `${az}-store-${i}`, az, role: 'storage', public: false });
  }
  return { region: 'local-1', azs, nodes };
}

/**
 * Group g is replicated on one storage node in each of three AZs (rotating so every
 * node carries the same load); the replica in AZ (g mod #AZs) is its preferred leader, so
 * that leadership starts spread over nodes and AZs.
 */
export function buildGroups(topology: Topology, groups: number): GroupSpec[] {
  const byAz = topology.azs.map((az) => topology.nodes.filter((n) => n.az === az && n.role === 'storage').map((n) => n.id));
  if (byAz.length < 3 || byAz.some((l) => l.length === 0)) throw new Error('the reference cluster needs at least 3 AZs with a storage node each');
  const out: GroupSpec[] = [];
  for (let g = 0; g < groups; g++) {
    const first = g % topology.azs.length;
    const azIdx = [0, 1, 2].map((k) => (first + k) % topology.azs.length);
    const replicas = azIdx.map((a) => {
      const list = byAz[a] as string[];
      return list[Math.floor(g / topology.azs.length + a) % list.length] as string;
    });
    out.push({ id: `g${g}`, replicas, leader: replicas[0] as string });
  }
  return out;
}

/** FNV-1a, 32 bit: stable across processes and machines. */
export function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function groupOf(key: string, groups: readonly GroupSpec[]): GroupSpec {
  return groups[hashKey(key) % groups.length] as GroupSpec;
}
