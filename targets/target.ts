// A Target is a system under test: its topology, how to launch each node, the
// client canaries use, what it promises, and optional introspection (replica digests
// for a scrub, each replica's value of a key). Anyone can write one as a module of
// their own and name it in an experiment file (`target: { module: ./my-target.ts }`);
// see README "Testing your own system". Jepsen's lesson: the protocol is small and
// every extra ability is optional, so the runner asks "can this target do X?".

/** Where a node listens, or where a party dials it. */
export interface Address {
  readonly host: string;
  readonly port: number;
}

/** Free-form: a fault selects nodes by role with `random-<role>` or `role:<role>`. */
export type NodeRole = string;

export interface NodeInfo {
  readonly id: string;
  readonly az: string;
  readonly role: NodeRole;
  /** A public endpoint: canaries send customer traffic here (on its main port). */
  readonly public: boolean;
  /** Named ports beside the main one (e.g. ['peer']): each gets an address, and node-to-node links to it go through the fault proxy too. */
  readonly ports?: readonly string[];
}

/** How a node's named port is addressed in link maps: `<node>#<port>` (the main port is the bare node id). */
export const portKey = (nodeId: string, port?: string): string => (port === undefined ? nodeId : `${nodeId}#${port}`);
/** The node a link-map key belongs to. */
export const nodeOfKey = (key: string): string => key.split('#')[0] as string;

export interface Topology {
  readonly region: string;
  readonly azs: readonly string[];
  readonly nodes: readonly NodeInfo[];
}

export interface LaunchContext {
  /** Address the node must listen on for its main port (inside its container for docker). */
  readonly listen: Address;
  /** Addresses of its named ports (NodeInfo.ports), by name. */
  readonly ports: Readonly<Record<string, Address>>;
  /** The node's own address as others reach it directly (what it advertises: its loopback address locally, its container's address on docker); listen.host may be 0.0.0.0. */
  readonly advertiseHost: string;
  /** How this node reaches another node's port (its main port when `port` is left out). */
  peerAddress(toNodeId: string, port?: string): Address;
  /** Where this node keeps its data: survives power-off and power-on (the path the node sees: inside its container on docker). */
  readonly dataDir: string;
  /** The same folder as the harness sees it, for files the target writes before the node starts (a config): dataDir locally, the mounted folder on docker. */
  readonly hostDataDir: string;
  /** How this node reaches another node's main port, as http://host:port (direct, or through the fault proxy). */
  peerUrl(toNodeId: string, port?: string): string;
  readonly targetOptions: Readonly<Record<string, unknown>>;
}

export interface LaunchSpec {
  /**
   * Module that is the node's program: a path relative to the package root written as
   * its source (`.ts`; the compiled `.js` runs from the installed package, see
   * harness/providers/program.ts), or an absolute path; run with Node locally, bundled
   * for containers. The bundled target's way; a target of your own gives `command` instead.
   */
  readonly entry?: string;
  /** Any executable and its arguments: locally power-off and pause reach this very process; on docker it runs in an image of that executable and the libraries it links, made from the host's. */
  readonly command?: readonly string[];
  /** Host files or folders the node reads (its script, a config): on docker each is mounted read-only at the same path in its container. */
  readonly files?: readonly string[];
  /** Docker only: a ready-made local image to run (its entrypoint, then `command` and `args` as the container's arguments). */
  readonly image?: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** HTTP path of the main port answering 200 once the node is ready (unless `ready` says otherwise). */
  readonly readyPath: string;
  /** Another readiness probe: the main port (or a named one) accepting TCP, or a command that exits 0 once the node is ready (run by the harness on the host: on docker it must address the node by ctx.advertiseHost). */
  readonly ready?: { readonly tcp: true | string } | { readonly command: readonly string[] };
}

/** What a canary learns from one call: ok (it happened), fail (it certainly did not), info (unknown). */
export type CallOutcome =
  | { readonly type: 'ok'; readonly value?: string | null }
  | { readonly type: 'fail' | 'info'; readonly error: string; readonly current?: string | null };

/** The calls a canary makes on one public endpoint. `fail` only when the call certainly had no effect. */
export interface KvApi {
  get(key: string, consistency: 'strong' | 'eventual'): Promise<CallOutcome>;
  put(key: string, value: string): Promise<CallOutcome>;
  /** Compare-and-set: `fail` with error PRECONDITION_FAILED ("precondition failed") and `current` when the value was not `expected`. */
  cas(key: string, expected: string | null, value: string): Promise<CallOutcome>;
  delete(key: string): Promise<CallOutcome>;
  close(): void;
}

export interface ClientOptions {
  readonly timeoutMs: number;
  /** Calls the canary may have in flight at once. */
  readonly maxInFlight: number;
  /** How this canary reaches any node's main port, from its own AZ (through the AZ's gateway on docker): for clients that are sent on to other nodes (Sentinel naming the primary). */
  readonly urlOf?: (nodeId: string) => string;
}

/** What a target promises decides the checks: linearizable-kv adds check linearizable to no-lost-writes. */
export type TargetPromise = 'linearizable-kv' | 'no-lost-writes';

export interface ReplicaDigest {
  readonly group: string;
  readonly nodeId: string;
  readonly appliedSeq: number;
  /** The highest seq the replica knows committed (≥ appliedSeq), when the target says. */
  readonly commitSeq?: number;
  readonly checksum: string;
  readonly keys: number;
  /** log: a log replica (keeps the log only; its checksum replays the committed prefix). Absent: a full replica. */
  readonly kind?: 'storage' | 'log';
}

/** What a run saw of each replica, for a check of the replicas against what the run folder archived (Target.checkArchive). */
export interface ArchiveEvidence {
  /** The final scrub's digests (saved as scrub.json). */
  readonly digests: readonly ReplicaDigest[];
  /** Each key's value by the harness's final reads (null: absent), to name the first key a replica and the reference disagree on. */
  readonly finalValues?: ReadonlyMap<string, string | null>;
}

/** A check's verdict as a target gives it (the harness's CheckResult: harness/checkers/check.ts). */
export interface ArchiveVerdict {
  readonly verdict: 'pass' | 'fail' | 'unknown';
  readonly summary: string;
  readonly details?: Record<string, unknown>;
}

/** One replica's own committed value of a key (read from the replica directly, not through a router). */
export interface ReplicaValue {
  readonly nodeId: string;
  readonly value: string | null;
  readonly appliedSeq?: number;
}

export interface Target {
  readonly name: string;
  /** A schema for the experiment's `target.options` (see OptionsSchema), for a Target exported as it is (a module may instead export the schema as `options`). */
  readonly optionsSchema?: OptionsSchema;
  /** Default linearizable-kv. */
  readonly promises?: TargetPromise;
  /** The client canaries and final reads use on an endpoint URL (default: the HTTP API of README "Testing your own system"). */
  client?(endpointUrl: string, o: ClientOptions): KvApi;
  topology(opts: Readonly<Record<string, unknown>>): Topology;
  launch(node: NodeInfo, ctx: LaunchContext): LaunchSpec;
  /** Optional introspection: every replica's digest, for the "replicas-agree" scrub. `nodes`: the run's nodes (on attach, those found, not topology()'s). */
  digests?(urlOf: (nodeId: string) => string, nodes?: readonly NodeInfo[]): Promise<ReplicaDigest[]>;
  /**
   * Optional: check "wal-reference". After the run (the nodes stopped), the target reads
   * what its nodes left in the run folder (the reference cluster: every replica's WAL under
   * nodes/<id>/data/), rebuilds a reference replica from it offline and says whether
   * every live replica (its digest) matches it. Also run by `gameday check <run-folder>`
   * on a finished run (built-in targets). `unknown` when the run folder holds no archive.
   */
  checkArchive?(runDir: string, evidence: ArchiveEvidence): ArchiveVerdict;
  /** Optional introspection: each replica's value of a key, to tell a lost write (no replica has it) from a stale read. */
  replicaValues?(key: string, urlOf: (nodeId: string) => string, nodes?: readonly NodeInfo[]): Promise<ReplicaValue[]>;
  /** Optional introspection: who leads each replication group right now (group → node id; a group without a leader now is left out). Lets a fault pick `leader-of:random`. */
  leaders?(urlOf: (nodeId: string) => string, nodes?: readonly NodeInfo[]): Promise<Readonly<Record<string, string>>>;
  /** The replication groups a `leader-of:<group>` selector may name (checked before anything starts). */
  replicationGroups?(): readonly string[];
  /**
   * Optional: the builds its nodes can run (oldest first) and the one they start on,
   * for `upgrade` / `downgrade` faults (a rolling restart onto another build). The
   * next launch() of a node after useBuild(node, build) starts that build.
   */
  readonly builds?: { readonly current: string; readonly available: readonly string[] };
  useBuild?(nodeId: string, build: string): void;
  buildOf?(nodeId: string): string;
  /** Set when node-to-node links cannot go through the fault proxy, saying why: partitions and link faults are then refused (exit 2). */
  readonly noLinkFaults?: string;
  /** Replicas per replication group (what the scrub expects to hear from). */
  readonly replicationFactor?: number;
}

/** A problem with a target's options: the field, what is wrong, the fix (exit 2, nothing started). */
export interface TargetProblem {
  readonly path: string;
  readonly message: string;
  readonly fix: string;
}

/** What a schema says is wrong with a value (Standard Schema's issue). */
export interface OptionsIssue {
  readonly message: string;
  readonly path?: readonly (PropertyKey | { readonly key: PropertyKey })[] | undefined;
}

/**
 * A schema for a target's options: a zod schema (`export const options =
 * z.strictObject({ ... })` beside the module's default export, or
 * `Target.optionsSchema`),
 * or any other Standard Schema (valibot, arktype, zod 3.24+). gameday validates
 * `target.options` with it before anything starts; each issue ends the run as
 * `target.options.<field>: <problem>` with a fix (a message may carry its own as
 * `"... (fix: ...)"`; a zod schema's unknown fields get a "did you mean"). What it
 * outputs (defaults filled in) is what the factory, `topology()` and
 * `LaunchContext.targetOptions` get.
 */
export interface OptionsSchema<Opts = Readonly<Record<string, unknown>>> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => OptionsResult<Opts> | Promise<OptionsResult<Opts>>;
  };
}
export type OptionsResult<Opts> = { readonly value: Opts; readonly issues?: undefined } | { readonly issues: readonly OptionsIssue[] };

/**
 * What a target module exports as `default` (or as `target`): a Target, or a function
 * from the experiment's `target.options` to a Target, or to `{ problems }` when the
 * options are wrong (the way without a schema). With an options schema (`export const
 * options`), the factory gets the schema's output. `dir` is the experiment file's
 * folder (paths in options are relative to it).
 */
export type TargetFactory<Opts = Readonly<Record<string, unknown>>> = (
  options: Opts,
  ctx: { readonly dir: string },
) => Target | { readonly problems: readonly TargetProblem[] } | Promise<Target | { readonly problems: readonly TargetProblem[] }>;
