// A Target is a system under test: its topology, how to launch each node, the
// client canaries use, and optional introspection (replica digests for a scrub).

/** Where a node listens, or where a party dials it. */
export interface Address {
  readonly host: string;
  readonly port: number;
}

export type NodeRole = 'router' | 'storage';

export interface NodeInfo {
  readonly id: string;
  readonly az: string;
  readonly role: NodeRole;
  /** A public endpoint: canaries send customer traffic here. */
  readonly public: boolean;
}

export interface Topology {
  readonly region: string;
  readonly azs: readonly string[];
  readonly nodes: readonly NodeInfo[];
}

export interface LaunchContext {
  /** Address the node must listen on (inside its container for docker). */
  readonly listen: Address;
  /** Where this node keeps its data: survives power-off and power-on. */
  readonly dataDir: string;
  /** How this node reaches another node (direct, or through the fault proxy). */
  peerUrl(toNodeId: string): string;
  readonly targetOptions: Readonly<Record<string, unknown>>;
}

export interface LaunchSpec {
  /** Module that is the node's program: a path relative to the package root written as its source (`.ts`; the compiled `.js` runs from the installed package, see harness/providers/program.ts), or an absolute path; bundled for containers. */
  readonly entry: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** HTTP path answering 200 once the node is ready. */
  readonly readyPath: string;
}

export interface ReplicaDigest {
  readonly group: string;
  readonly nodeId: string;
  readonly appliedSeq: number;
  readonly checksum: string;
  readonly keys: number;
}

/** One replica's own committed value of a key (read from the replica directly, not through a router). */
export interface ReplicaValue {
  readonly nodeId: string;
  readonly value: string | null;
  readonly appliedSeq?: number;
}

export interface Target {
  readonly name: string;
  topology(opts: Readonly<Record<string, unknown>>): Topology;
  launch(node: NodeInfo, ctx: LaunchContext): LaunchSpec;
  /** Optional introspection: every replica's digest, for the "replicas-agree" scrub. */
  digests?(urlOf: (nodeId: string) => string): Promise<ReplicaDigest[]>;
  /** Optional introspection: each replica's value of a key, to tell a lost write (no replica has it) from a stale read. */
  replicaValues?(key: string, urlOf: (nodeId: string) => string): Promise<ReplicaValue[]>;
  /** Replicas per replication group (what the scrub expects to hear from). */
  readonly replicationFactor?: number;
}
