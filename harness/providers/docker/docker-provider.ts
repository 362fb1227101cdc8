// The docker provider: each node in its own container (the node program bundled into
// an image made from the local Node binary), one region network with pinned
// addresses, and one canary gateway container per AZ (see gateway-main.ts). With
// `faultProxy` (runs with link faults), one more container, the run's fault proxy
// (fault-proxy.ts), sits on every node → node and gateway → node link.
//
// Before anything is created the journal names the run, so a crash at any point
// can be cleaned up by `healDockerRun` (which selects by the run's label).

import { mkdirSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import type { Provider, StartOptions } from '../provider.ts';
import { portKey, type LaunchSpec, type NodeInfo, type Target, type Topology } from '../../../targets/target.ts';
import type { Address } from '../provider.ts';
import type { LinkMap } from '../local.ts';
import { createAndStart, waitContainerReady } from './container.ts';
import { DockerCluster, type Party } from './docker-cluster.ts';
import { FAULT_PROXY_ENTRY, faultProxyRecord, startFaultProxy, type FaultProxyOptions, type StartedFaultProxy } from './fault-proxy.ts';
import { commandImage, programImage } from './image.ts';
import { commandProbe, httpProbe, tcpProbe, type Probe } from '../ready.ts';
import { writeJournal } from './journal.ts';
import {
  chainName,
  containerName,
  GATEWAY_BASE_PORT,
  GATEWAY_HEALTH_PORT,
  gatewayContainerName,
  gatewayId,
  LABEL_AZ,
  LABEL_NODE,
  LABEL_ROLE,
  NODE_PORT,
  runLabels,
} from './names.ts';
import { createRunNetwork, hostAddress } from './network.ts';
import { dockerode } from './runtime.ts';
import { healDockerRun } from './heal.ts';
import type Dockerode from 'dockerode';

export const GATEWAY_ENTRY = 'harness/providers/docker/gateway-main.ts';
/** Where a node's folder `<runDir>/nodes/<id>/` is mounted; its data dir is `data/` inside. */
const NODE_HOME = '/gameday';

export interface DockerProviderOptions {
  /** Ready-made images by entry (e.g. one built from targets/reference/Dockerfile); others are built locally. */
  readonly images?: Readonly<Record<string, string>>;
  /** An image for every node program of the target (`--node-image`), e.g. one built from targets/reference/Dockerfile. */
  readonly nodeImage?: string;
  /**
   * Interpose the run's fault proxy (a container running the embedded Toxiproxy
   * server; a real Toxiproxy image can be given as `images[FAULT_PROXY_ENTRY]`)
   * between every node and its peers and between each AZ gateway and the nodes.
   */
  readonly faultProxy?: FaultProxyOptions;
}

export class DockerProvider implements Provider {
  readonly name = 'docker';

  constructor(private readonly options: DockerProviderOptions = {}) {}

  async start(target: Target, topology: Topology, opts: StartOptions): Promise<DockerCluster> {
    const runDir = resolve(opts.runDir);
    const readyTimeoutMs = opts.readyTimeoutMs ?? 30_000;
    const chain = chainName(opts.runId);
    const gatewayImageP = programImage('gateway', GATEWAY_ENTRY); // meanwhile testcontainers loads
    gatewayImageP.catch(() => undefined);
    const fp = this.options.faultProxy;
    const givenProxyImage = this.options.images?.[FAULT_PROXY_ENTRY];
    const proxyImageP = fp ? (givenProxyImage ? Promise.resolve({ tag: givenProxyImage }) : programImage('faultproxy', FAULT_PROXY_ENTRY)) : undefined;
    proxyImageP?.catch(() => undefined);
    const docker = await dockerode();
    const check = (): void => opts.signal?.throwIfAborted();

    check();
    const network = await createRunNetwork(docker, opts.runId);
    const ipOf = new Map<string, string>();
    for (const [i, n] of topology.nodes.entries()) ipOf.set(n.id, hostAddress(network.subnet, 10 + i));
    for (const [j, az] of topology.azs.entries()) ipOf.set(gatewayId(az), hostAddress(network.subnet, 10 + topology.nodes.length + j));
    const proxyIp = hostAddress(network.subnet, 10 + topology.nodes.length + topology.azs.length);
    const ip = (id: string): string => {
      const a = ipOf.get(id);
      if (!a) throw new RangeError(`peerUrl: no node "${id}" in the topology`);
      return a;
    };
    const proxyRecord = fp ? faultProxyRecord(opts.runId, proxyIp) : undefined;
    writeJournal(runDir, {
      runId: opts.runId,
      network: network.name,
      subnet: network.subnet,
      chain,
      parties: [],
      cuts: [],
      state: 'starting',
      ...(proxyRecord ? { faultProxy: proxyRecord } : {}),
    });

    try {
      // with a fault proxy, every link is dialled through it: it must be up (and its links made) before the nodes are configured
      let proxy: StartedFaultProxy | undefined;
      let links: LinkMap | undefined;
      if (fp && proxyImageP) {
        proxy = await startFaultProxy(opts.runId, network.name, proxyIp, (await proxyImageP).tag, { seed: fp.seed, readyTimeoutMs });
        check();
        const upstreams = new Map<string, Address>(
          topology.nodes.flatMap((n) => [
            [n.id, { host: ip(n.id), port: NODE_PORT }] as const,
            ...(n.ports ?? []).map((p) => [portKey(n.id, p), { host: ip(n.id), port: portNumber(topology, n.id, p) }] as const),
          ]),
        );
        links = await fp.interpose({ url: proxy.api, subnet: network.subnet }, upstreams, topology);
        check();
      }
      const dial = (from: string, to: string, port?: string): Address =>
        links?.dial(from, portKey(to, port)) ?? { host: ip(to), port: portNumber(topology, to, port) };
      const specs = new Map<string, LaunchSpec>();
      const launch = (n: NodeInfo): LaunchSpec => {
        const ports = Object.fromEntries((n.ports ?? []).map((p) => [p, { host: '0.0.0.0', port: portNumber(topology, n.id, p) }]));
        return target.launch(n, {
          listen: { host: '0.0.0.0', port: NODE_PORT },
          ports,
          advertiseHost: ip(n.id),
          dataDir: `${NODE_HOME}/data`,
          hostDataDir: join(runDir, 'nodes', n.id, 'data'),
          peerAddress: (to, port) => dial(n.id, to, port),
          peerUrl: (to, port) => {
            const a = dial(n.id, to, port);
            return `http://${a.host}:${a.port}`;
          },
          targetOptions: opts.targetOptions ?? {},
        });
      };
      for (const n of topology.nodes) {
        mkdirSync(join(runDir, 'nodes', n.id, 'data'), { recursive: true }); // before launch: a target may write its config there
        const spec = launch(n);
        if (spec.image === undefined && spec.entry === undefined && spec.command === undefined)
          throw new Error(`node ${n.id} of target ${target.name}: its launch gives no image, entry or command`);
        specs.set(n.id, spec);
      }
      // one image per program: a given image, a bundled node program (entry), or a host executable (command)
      const programOf = (s: LaunchSpec): string =>
        s.image !== undefined ? `image:${s.image}` : s.entry !== undefined ? `entry:${s.entry}` : `command:${s.command?.[0]}`;
      const programs = [...new Set([...specs.values()].map(programOf))];
      const built = await Promise.all([
        ...programs.map(async (prog) => {
          const [kind, what] = [prog.slice(0, prog.indexOf(':')), prog.slice(prog.indexOf(':') + 1)];
          if (kind === 'image') return { tag: what };
          if (kind === 'command') return commandImage(what);
          const given = this.options.images?.[what] ?? this.options.nodeImage;
          return given ? { tag: given } : programImage(`${target.name}-${basename(what, extname(what))}`, what);
        }),
        gatewayImageP,
      ]);
      const images = new Map(programs.map((prog, i) => [prog, built[i]!.tag]));
      const gatewayImage = built[built.length - 1]!.tag;
      check();

      const parties = new Map<string, Party>();
      const nodeStarts = topology.nodes.map(async (n, index) => {
        const spec = specs.get(n.id)!;
        const home = join(runDir, 'nodes', n.id);
        mkdirSync(join(home, 'data'), { recursive: true });
        const name = containerName(opts.runId, n.id);
        const create = (s: LaunchSpec): Promise<{ handle: Dockerode.Container }> =>
          createAndStart({
            name,
            image: images.get(programOf(s))!,
            network: network.name,
            ip: ip(n.id),
            labels: runLabels(opts.runId, { [LABEL_NODE]: n.id, [LABEL_AZ]: n.az, [LABEL_ROLE]: n.role }),
            env: s.env,
            args: [...(s.image === undefined ? (s.command?.slice(1) ?? []) : (s.command ?? [])), ...s.args],
            mounts: [{ source: home, target: NODE_HOME }, ...(s.files ?? []).map((f) => ({ source: resolve(f), target: resolve(f), readOnly: true }))],
          });
        const c = await create(spec);
        let made = spec;
        const relaunch = (): (() => Promise<Dockerode.Container>) | undefined => {
          const next = launch(n);
          if (JSON.stringify(next) === JSON.stringify(made)) return undefined;
          if (!images.has(programOf(next)))
            throw new Error(`node ${n.id}: its new launch spec runs ${programOf(next)}, and the run built images only for ${[...images.keys()].join(', ')}`);
          made = next;
          return async () => (await create(next)).handle;
        };
        const ready = readinessProbe(spec, ip(n.id), (p) => portNumber(topology, n.id, p));
        // only a target with builds changes a node's spec mid-run (Target.useBuild); no other target's launch is called again
        parties.set(n.id, {
          party: n.id,
          kind: 'node',
          az: n.az,
          container: name,
          ip: ip(n.id),
          handle: c.handle,
          ready,
          index,
          ...(target.useBuild ? { relaunch } : {}),
        });
        await waitContainerReady(c.handle, ready, readyTimeoutMs, `node ${n.id} (${name})`);
      });
      const gatewayStarts = topology.azs.map(async (az) => {
        const id = gatewayId(az);
        const name = gatewayContainerName(opts.runId, az);
        const routes = topology.nodes.map((n, i) => {
          const a = dial(`canary:${az}`, n.id);
          return { port: GATEWAY_BASE_PORT + i, host: a.host, targetPort: a.port };
        });
        const c = await createAndStart({
          name,
          image: gatewayImage,
          network: network.name,
          ip: ip(id),
          labels: runLabels(opts.runId, { [LABEL_NODE]: id, [LABEL_AZ]: az, [LABEL_ROLE]: 'gateway' }),
          env: { GAMEDAY_GATEWAY_CONFIG: JSON.stringify({ health: GATEWAY_HEALTH_PORT, routes }) },
          args: [],
          mounts: [],
        });
        const ready = httpProbe(`http://${ip(id)}:${GATEWAY_HEALTH_PORT}/health`);
        parties.set(id, { party: id, kind: 'gateway', az, container: name, ip: ip(id), handle: c.handle, ready, index: -1 });
        await waitContainerReady(c.handle, ready, readyTimeoutMs, `gateway of ${az} (${name})`);
      });
      const results = await Promise.allSettled([...nodeStarts, ...gatewayStarts]);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      check();
      // parties in topology order, then gateways
      const ordered = new Map<string, Party>();
      for (const id of [...topology.nodes.map((n) => n.id), ...topology.azs.map(gatewayId)]) ordered.set(id, parties.get(id)!);
      return new DockerCluster(topology, opts.runId, runDir, network, chain, ordered, readyTimeoutMs, proxy);
    } catch (err) {
      await healDockerRun(runDir).catch(() => undefined);
      throw err;
    }
  }
}

/** A node's port inside its container: the main one NODE_PORT, its named ones the ports after it, in the order NodeInfo.ports gives. */
export function portNumber(topology: Topology, nodeId: string, port?: string): number {
  if (port === undefined) return NODE_PORT;
  const i = topology.nodes.find((n) => n.id === nodeId)?.ports?.indexOf(port) ?? -1;
  if (i < 0) throw new RangeError(`node ${nodeId} has no port named ${port}`);
  return NODE_PORT + 1 + i;
}

/** How the harness (on the host) tells that a node's container is ready: its HTTP readyPath, a TCP port accepting, or a command run on the host. */
function readinessProbe(spec: LaunchSpec, ip: string, port: (name?: string) => number): Probe {
  if (spec.ready !== undefined && 'command' in spec.ready) return commandProbe(spec.ready.command);
  if (spec.ready !== undefined && 'tcp' in spec.ready) return tcpProbe(ip, port(spec.ready.tcp === true ? undefined : spec.ready.tcp));
  return httpProbe(`http://${ip}:${NODE_PORT}${spec.readyPath}`);
}

export const dockerProvider = (options: DockerProviderOptions = {}): DockerProvider => new DockerProvider(options);
