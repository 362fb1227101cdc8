// The bundled reference cluster as a gameday Target (the embedded default).

import { BUG_MODES, type BugModes, type NodeConfig } from './config.ts';
import { buildGroups, buildTopology, DEFAULT_SHAPE, groupOf, type GroupSpec, type ReferenceShape } from './layout.ts';
import type { ArchiveEvidence, ArchiveVerdict, LaunchContext, LaunchSpec, NodeInfo, ReplicaDigest, ReplicaValue, Target, Topology } from '../target.ts';
import { checkRunArchive } from './reference-replica.ts';

export interface ReferenceOptions {
  readonly shape?: Partial<ReferenceShape>;
  readonly bugs?: BugModes;
  readonly flushIntervalMs?: number;
  /** The run's seed: the nodes draw their election timeouts from it. */
  readonly seed?: number;
  /** target.options.log-replica-after (options.ts), in ms. */
  readonly logReplicaAfterMs?: number;
}

export class ReferenceTarget implements Target {
  readonly name = 'reference';
  readonly replicationFactor = 3;
  private topo: Topology | undefined;
  private groupSpecs: GroupSpec[] = [];
  readonly shape: ReferenceShape;

  constructor(readonly options: ReferenceOptions = {}) {
    this.shape = { ...DEFAULT_SHAPE, ...options.shape };
  }

  topology(): Topology {
    if (!this.topo) {
      this.topo = buildTopology(this.shape);
      this.groupSpecs = buildGroups(this.topo, this.shape.groups);
    }
    return this.topo;
  }

  groups(): readonly GroupSpec[] {
    this.topology();
    return this.groupSpecs;
  }

  digests(urlOf: (nodeId: string) => string): Promise<ReplicaDigest[]> {
    return referenceDigests(this, urlOf);
  }

  /** Check "wal-reference": every live replica against a reference replica rebuilt from the WALs the nodes left in the run folder (reference-replica.ts). */
  checkArchive(runDir: string, evidence: ArchiveEvidence): ArchiveVerdict {
    return checkRunArchive(runDir, evidence);
  }

  /** Each replica of the key's group, asked directly for its committed value. A replica that does not answer is left out. */
  async replicaValues(key: string, urlOf: (nodeId: string) => string): Promise<ReplicaValue[]> {
    const g = groupOf(key, this.groups());
    const out = await Promise.all(
      g.replicas.map(async (id): Promise<ReplicaValue | undefined> => {
        try {
          const res = await fetch(`${urlOf(id)}/groups/${g.id}/read?key=${encodeURIComponent(key)}`, { signal: AbortSignal.timeout(2000) });
          const b = (await res.json()) as { value?: string | null; appliedSeq?: number };
          return res.ok ? { nodeId: id, value: b.value ?? null, ...(typeof b.appliedSeq === 'number' ? { appliedSeq: b.appliedSeq } : {}) } : undefined;
        } catch {
          return undefined;
        }
      }),
    );
    return out.filter((x): x is ReplicaValue => x !== undefined);
  }

  /** v1 writes WAL lines as plain JSON; v2 adds a checksum to each line and checks it on reading (each reads the other's files). */
  readonly builds = { current: 'v1', available: ['v1', 'v2'] } as const;
  private readonly buildOfNode = new Map<string, string>();

  useBuild(nodeId: string, build: string): void {
    this.buildOfNode.set(nodeId, build);
  }

  buildOf(nodeId: string): string {
    return this.buildOfNode.get(nodeId) ?? this.builds.current;
  }

  replicationGroups(): readonly string[] {
    return this.groups().map((g) => g.id);
  }

  /** Who leads each replication group now (asked of the storage nodes; a group with no leader right now is left out). */
  async leaders(urlOf: (nodeId: string) => string): Promise<Record<string, string>> {
    const claims = new Map<string, { node: string; term: number }>();
    const storage = this.topology().nodes.filter((n) => n.role === 'storage');
    await Promise.all(
      storage.map(async (n) => {
        try {
          const res = await fetch(`${urlOf(n.id)}/scrub`, { signal: AbortSignal.timeout(1000) });
          const body = (await res.json()) as { groups: { group: string; role: string; term: number }[] };
          for (const g of body.groups) {
            const had = claims.get(g.group);
            if (g.role === 'leader' && (!had || g.term > had.term)) claims.set(g.group, { node: n.id, term: g.term });
          }
        } catch {
          /* a node that does not answer leads nothing we can see */
        }
      }),
    );
    return Object.fromEntries([...claims].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })).map(([g, c]) => [g, c.node]));
  }

  launch(node: NodeInfo, ctx: LaunchContext): LaunchSpec {
    const topo = this.topology();
    const peers: Record<string, string> = {};
    const azOf: Record<string, string> = {};
    for (const n of topo.nodes) {
      azOf[n.id] = n.az;
      if (n.id !== node.id && n.role === 'storage') peers[n.id] = ctx.peerUrl(n.id);
    }
    const cfg: NodeConfig = {
      id: node.id,
      az: node.az,
      role: node.role === 'router' ? 'router' : 'storage',
      listen: ctx.listen,
      dataDir: ctx.dataDir,
      groups: this.groupSpecs,
      azOf,
      peers,
      bugs: this.options.bugs ?? {},
      flushIntervalMs: this.options.flushIntervalMs ?? 5000,
      requestTimeoutMs: 1500,
      quorumTimeoutMs: 1000,
      ...(this.options.seed !== undefined ? { seed: this.options.seed } : {}),
      walFormat: this.buildOf(node.id) === 'v2' ? 2 : 1,
      ...(this.options.logReplicaAfterMs !== undefined ? { timing: { logReplicaAfterMs: this.options.logReplicaAfterMs } } : {}),
    };
    return { entry: 'targets/reference/node-main.ts', args: [], env: { GAMEDAY_NODE_CONFIG: JSON.stringify(cfg) }, readyPath: '/health' };
  }
}

export async function referenceDigests(target: ReferenceTarget, urlOf: (nodeId: string) => string): Promise<ReplicaDigest[]> {
  const storage = target.topology().nodes.filter((n) => n.role === 'storage');
  const out: ReplicaDigest[] = [];
  await Promise.all(
    storage.map(async (n) => {
      try {
        const res = await fetch(`${urlOf(n.id)}/scrub`, { signal: AbortSignal.timeout(2000) });
        const body = (await res.json()) as {
          groups: { group: string; kind?: 'storage' | 'log'; member?: boolean; appliedSeq: number; commitSeq?: number; checksum: string; keys: number }[];
        };
        // a log replica that its own log says is no member (a learner, or removed) is not kept up to date: not compared
        for (const g of body.groups.filter((x) => x.kind !== 'log' || x.member !== false))
          out.push({
            group: g.group,
            nodeId: n.id,
            appliedSeq: g.appliedSeq,
            ...(typeof g.commitSeq === 'number' ? { commitSeq: g.commitSeq } : {}),
            checksum: g.checksum,
            keys: g.keys,
            kind: g.kind ?? 'storage',
          });
      } catch {
        /* a replica that does not answer is reported missing by the check */
      }
    }),
  );
  return out;
}

export function isBugMode(s: string): s is (typeof BUG_MODES)[number] {
  return (BUG_MODES as readonly string[]).includes(s);
}
