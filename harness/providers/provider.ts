// A Provider is where a target's nodes run and how they are powered off, paused and
// cut off. `local` (child processes on per-AZ loopback addresses) is the embedded
// default; `docker` runs each node in its own container.
//
// Extra abilities are optional (after Jepsen): the runner asks `cluster.pause`
// whether it can pause instead of branching on which provider it is.

import type { Address, NodeInfo, Target, Topology } from '../../targets/target.ts';

export type { Address } from '../../targets/target.ts';

export const urlOf = (a: Address): string => `http://${a.host}:${a.port}`;

export interface StartOptions {
  /** Run folder; providers keep node data and node logs under `<runDir>/nodes/<id>/`. */
  readonly runDir: string;
  /** Run id, used to label everything the provider creates (containers, networks, rules). */
  readonly runId: string;
  /** Per-node readiness budget. */
  readonly readyTimeoutMs?: number;
  /** Target options (e.g. bug modes of the reference cluster), passed through to Target.launch. */
  readonly targetOptions?: Readonly<Record<string, unknown>>;
  readonly signal?: AbortSignal;
}

export interface StartedCluster extends AsyncDisposable {
  readonly provider: string;
  readonly topology: Topology;
  /** How a client in `fromAz` (or the harness itself when omitted) reaches `nodeId`. */
  url(nodeId: string, fromAz?: string): string;
  /** The public endpoints (request routers), each with its AZ. */
  endpoints(): readonly NodeInfo[];
  isUp(nodeId: string): boolean;
  /** Power cut: SIGKILL / container kill. No graceful shutdown. Idempotent. */
  powerOff(nodeId: string): Promise<void>;
  /** Start the node again on the same data; resolves when it answers its readiness probe. Idempotent. */
  powerOn(nodeId: string): Promise<void>;
  /** Optional: freeze / thaw (SIGSTOP / cgroup freezer). */
  pause?(nodeId: string): Promise<void>;
  resume?(nodeId: string): Promise<void>;
  /** Stop every node and remove everything the provider created. Idempotent; never throws. */
  stop(): Promise<void>;
}

export interface Provider {
  readonly name: string;
  start(target: Target, topology: Topology, opts: StartOptions): Promise<StartedCluster>;
}
