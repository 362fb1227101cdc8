// The attach provider: game days on containers the user already runs (docker
// compose, a test fixture), found by a label or named one by one. gameday creates
// only its canary gateways (one per AZ, joined to the containers' own network, so
// canary traffic starts inside the AZ as with the docker provider) and its iptables
// chain in the containers' namespaces; it powers off (`docker kill`, then start
// again), pauses and cuts off the containers it was told to fault, and at the end,
// on Ctrl-C, and in `gameday heal` after a crash, every one of them is running again,
// without its chain. It never removes, recreates or restarts a container it did not
// fault, and never touches the user's network.
//
// The journal (docker-state.json) names each attached container by id, with what was
// done to it, before it is done (docker-cluster.ts), so heal knows what to undo.

import { resolve } from 'node:path';
import type Dockerode from 'dockerode';
import type { NodeInfo, Target, Topology } from '../../../targets/target.ts';
import type { Provider, StartOptions } from '../provider.ts';
import { tcpProbe, httpProbe, waitProbe } from '../ready.ts';
import { createAndStart, waitContainerReady } from './container.ts';
import { DockerCluster, type Party } from './docker-cluster.ts';
import { GATEWAY_ENTRY } from './docker-provider.ts';
import { programImage } from './image.ts';
import { writeJournal } from './journal.ts';
import { chainName, GATEWAY_BASE_PORT, GATEWAY_HEALTH_PORT, gatewayContainerName, gatewayId, LABEL_AZ, LABEL_NODE, LABEL_ROLE, runLabels } from './names.ts';
import type { RunNetwork } from './network.ts';
import { dockerode } from './runtime.ts';

/** How to find the containers, as the experiment file gives it (`provider: { name: attach, ... }`). */
export interface AttachSpec {
  /** Every container carrying this label (`key=value`, or `key` for any value). */
  readonly select?: { readonly label: string };
  /** Or the containers one by one (by name or id), each with its AZ unless it carries the AZ label. */
  readonly containers?: readonly {
    readonly container: string;
    readonly az?: string | undefined;
    readonly node?: string | undefined;
    readonly role?: string | undefined;
  }[];
  /** Label holding a container's AZ (default gameday.az). */
  readonly azLabel?: string;
  /** Label holding a container's node id (default gameday.node; else the container's name). */
  readonly nodeLabel?: string;
  /** Label holding a container's role, for fault selectors (default gameday.role; else "node"). */
  readonly roleLabel?: string;
  /** The port each node serves its public endpoint on, inside its container. */
  readonly port: number;
  /** The AZs the game day expects; one without a node is a problem. Default: the AZs found. */
  readonly azs?: readonly string[];
  /** The network the canaries join, when the containers share more than one. */
  readonly network?: string;
  /** HTTP path answering 200 when a node is ready (default: its port accepting TCP). */
  readonly readyPath?: string;
}

export interface AttachedNode {
  readonly info: NodeInfo;
  readonly container: string;
  readonly id: string;
  readonly ip: string;
}

export interface Discovered {
  readonly topology: Topology;
  readonly nodes: readonly AttachedNode[];
  readonly network: RunNetwork;
}

export interface AttachProblem {
  readonly path: string;
  readonly message: string;
  readonly fix: string;
}

type Inspected = Awaited<ReturnType<Dockerode.Container['inspect']>>;

const DEFAULT_AZ_LABEL = 'gameday.az';
const DEFAULT_NODE_LABEL = 'gameday.node';
const DEFAULT_ROLE_LABEL = 'gameday.role';

/** Finds the containers and makes the topology, or says what is wrong (nothing is touched either way). */
export async function discover(spec: AttachSpec, where = 'provider'): Promise<Discovered | { problems: AttachProblem[] }> {
  const docker = await dockerode();
  const problems: AttachProblem[] = [];
  const azLabel = spec.azLabel ?? DEFAULT_AZ_LABEL;
  const nodeLabel = spec.nodeLabel ?? DEFAULT_NODE_LABEL;
  const roleLabel = spec.roleLabel ?? DEFAULT_ROLE_LABEL;
  const found: { inspected: Inspected; given?: NonNullable<AttachSpec['containers']>[number]; path: string }[] = [];
  if (spec.select) {
    const listed = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [spec.select.label] }) });
    if (listed.length === 0) {
      problems.push({
        path: `${where}.select.label`,
        message: `${spec.select.label} matches no container (running or not)`,
        fix: `start the cluster first (e.g. docker compose up -d), or check the label with: docker ps -a --filter label=${spec.select.label}`,
      });
    }
    for (const c of listed.sort((a, b) => (a.Names[0] ?? '').localeCompare(b.Names[0] ?? '')))
      found.push({ inspected: await docker.getContainer(c.Id).inspect(), path: `${where}.select` });
  }
  for (const [i, given] of (spec.containers ?? []).entries()) {
    try {
      found.push({ inspected: await docker.getContainer(given.container).inspect(), given, path: `${where}.containers[${i}]` });
    } catch {
      problems.push({
        path: `${where}.containers[${i}].container`,
        message: `no container named ${given.container}`,
        fix: 'start it first, or name it as `docker ps -a` shows it',
      });
    }
  }
  const nodes: Omit<AttachedNode, 'ip'>[] = [];
  const networksOf: string[][] = [];
  for (const f of found) {
    const name = f.inspected.Name.replace(/^\//, '');
    const labels = f.inspected.Config.Labels ?? {};
    const az = f.given?.az ?? labels[azLabel];
    if (az === undefined || az === '') {
      problems.push({
        path: f.path,
        message: `container ${name} has no label ${azLabel} (its AZ)`,
        fix: f.given
          ? `add az: <name> to it, or the label ${azLabel}=<az> to the container`
          : `add the label ${azLabel}=<az> to the container (compose: labels: { ${azLabel}: az1 })`,
      });
      continue;
    }
    if (!f.inspected.State.Running || f.inspected.State.Paused) {
      problems.push({
        path: f.path,
        message: `container ${name} is ${f.inspected.State.Paused ? 'paused' : f.inspected.State.Status}, not running, before the game day`,
        fix: `start it first (docker start ${name}); gameday faults only containers that are running`,
      });
      continue;
    }
    const id = f.given?.node ?? labels[nodeLabel] ?? name;
    if (nodes.some((n) => n.info.id === id)) {
      problems.push({ path: f.path, message: `two containers are node ${id}`, fix: `give each container its own ${nodeLabel} label` });
      continue;
    }
    nodes.push({ info: { id, az, role: f.given?.role ?? labels[roleLabel] ?? 'node', public: true }, container: name, id: f.inspected.Id });
    networksOf.push(Object.keys(f.inspected.NetworkSettings.Networks ?? {}));
  }
  const azs = spec.azs ?? [...new Set(nodes.map((n) => n.info.az))].sort();
  for (const az of azs) {
    if (nodes.length > 0 && !nodes.some((n) => n.info.az === az))
      problems.push({
        path: `${where}.azs`,
        message: `AZ ${az} has no node`,
        fix: `label a container of ${az} with ${azLabel}=${az}, or leave ${az} out of azs`,
      });
  }
  for (const n of nodes) {
    if (!azs.includes(n.info.az))
      problems.push({ path: `${where}.azs`, message: `container ${n.container} is in AZ ${n.info.az}, which azs leaves out`, fix: `add ${n.info.az} to azs` });
  }
  let networkName = spec.network;
  if (nodes.length > 0 && networkName === undefined) {
    const shared = (networksOf[0] ?? []).filter((net) => networksOf.every((ns) => ns.includes(net)) && net !== 'host' && net !== 'none');
    if (shared.length === 1) networkName = shared[0];
    else if (shared.length === 0)
      problems.push({
        path: where,
        message: `the containers share no network (${nodes.map((n, i) => `${n.container}: ${(networksOf[i] ?? []).join(', ') || 'none'}`).join('; ')})`,
        fix: 'put them on one network (compose does: its default network)',
      });
    else
      problems.push({
        path: `${where}.network`,
        message: `the containers share ${shared.length} networks (${shared.join(', ')})`,
        fix: `say which one the canaries join: network: ${shared[0]}`,
      });
  }
  if (problems.length > 0 || networkName === undefined) return { problems };
  let net: Awaited<ReturnType<Dockerode.Network['inspect']>>;
  try {
    net = await docker.getNetwork(networkName).inspect();
  } catch {
    return { problems: [{ path: `${where}.network`, message: `no docker network ${networkName}`, fix: 'name one the containers are on (docker network ls)' }] };
  }
  const subnet = (net.IPAM?.Config ?? []).map((c) => c.Subnet).find((s) => s?.includes('.') === true);
  const out: AttachedNode[] = [];
  for (const n of nodes) {
    const ip = (await docker.getContainer(n.id).inspect()).NetworkSettings.Networks[networkName]?.IPAddress;
    if (!ip)
      problems.push({
        path: where,
        message: `container ${n.container} has no IPv4 address on ${networkName}`,
        fix: `connect it: docker network connect ${networkName} ${n.container}`,
      });
    else out.push({ ...n, ip });
  }
  if (problems.length > 0 || !subnet)
    return {
      problems:
        problems.length > 0
          ? problems
          : [{ path: `${where}.network`, message: `network ${networkName} has no IPv4 subnet`, fix: 'use an IPv4 bridge network' }],
    };
  return {
    topology: { region: 'attached', azs, nodes: out.map((n) => n.info) },
    nodes: out,
    network: { name: networkName, id: net.Id, subnet, gateway: (net.IPAM?.Config ?? [])[0]?.Gateway ?? '' },
  };
}

export class AttachProvider implements Provider {
  readonly name = 'attach';

  constructor(
    private readonly spec: AttachSpec,
    private readonly found: Discovered,
  ) {}

  async start(_target: Target, topology: Topology, opts: StartOptions): Promise<DockerCluster> {
    const runDir = resolve(opts.runDir);
    const readyTimeoutMs = opts.readyTimeoutMs ?? 30_000;
    const chain = chainName(opts.runId);
    const docker = await dockerode();
    const { network } = this.found;
    const byId = new Map(this.found.nodes.map((n) => [n.info.id, n]));
    const attached = topology.nodes.map((n) => {
      const a = byId.get(n.id);
      if (!a) throw new Error(`attach: node ${n.id} is not one of the containers found`);
      return a;
    });
    const journal = (parties: { party: string; kind: 'node' | 'gateway'; az: string; container: string; ip: string }[], state: 'starting' | 'running'): void =>
      writeJournal(runDir, {
        runId: opts.runId,
        network: network.name,
        subnet: network.subnet,
        chain,
        parties,
        cuts: [],
        state,
        ownsNetwork: false,
        attached: attached.map((a) => ({ party: a.info.id, container: a.container, id: a.id, power: 'on' as const })),
      });
    journal([], 'starting');
    const parties = new Map<string, Party>();
    try {
      // the containers must be up and answering before anything is done to them
      for (const [index, a] of attached.entries()) {
        const handle = docker.getContainer(a.id);
        const ready = this.spec.readyPath !== undefined ? httpProbe(`http://${a.ip}:${this.spec.port}${this.spec.readyPath}`) : tcpProbe(a.ip, this.spec.port);
        parties.set(a.info.id, {
          party: a.info.id,
          kind: 'node',
          az: a.info.az,
          container: a.container,
          ip: a.ip,
          handle,
          ready,
          index,
          port: this.spec.port,
          owned: false,
          id: a.id,
        });
      }
      await Promise.all([...parties.values()].map((p) => waitProbe(p.ready, { timeoutMs: readyTimeoutMs, what: `container ${p.container}` })));
      opts.signal?.throwIfAborted();
      const gatewayImage = (await programImage('gateway', GATEWAY_ENTRY)).tag;
      opts.signal?.throwIfAborted();
      await Promise.all(
        topology.azs.map(async (az) => {
          const id = gatewayId(az);
          const name = gatewayContainerName(opts.runId, az);
          const routes = attached.map((a, i) => ({ port: GATEWAY_BASE_PORT + i, host: a.ip, targetPort: this.spec.port }));
          const c = await createAndStart({
            name,
            image: gatewayImage,
            network: network.name,
            labels: runLabels(opts.runId, { [LABEL_NODE]: id, [LABEL_AZ]: az, [LABEL_ROLE]: 'gateway' }),
            env: { GAMEDAY_GATEWAY_CONFIG: JSON.stringify({ health: GATEWAY_HEALTH_PORT, routes }) },
            args: [],
            mounts: [],
          });
          const ready = httpProbe(`http://${c.ip}:${GATEWAY_HEALTH_PORT}/health`);
          parties.set(id, { party: id, kind: 'gateway', az, container: name, ip: c.ip, handle: c.handle, ready, index: -1 });
          journal(
            [...parties.values()].map(({ party, kind, az: z, container, ip }) => ({ party, kind, az: z, container, ip })),
            'starting',
          );
          await waitContainerReady(c.handle, ready, readyTimeoutMs, `gateway of ${az} (${name})`);
        }),
      );
      const ordered = new Map<string, Party>();
      for (const id of [...topology.nodes.map((n) => n.id), ...topology.azs.map(gatewayId)]) ordered.set(id, parties.get(id)!);
      return new DockerCluster(topology, opts.runId, runDir, network, chain, ordered, readyTimeoutMs, undefined, false);
    } catch (err) {
      const { healDockerRun } = await import('./heal.ts');
      await healDockerRun(runDir).catch(() => undefined);
      throw err;
    }
  }
}
