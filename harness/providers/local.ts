// The local provider (the embedded default: no root, no Docker): every node is a
// child process bound to its AZ's loopback addresses (127.0.A.x), with its own data
// folder under <runDir>/nodes/<id>/. Power-off is SIGKILL (no graceful shutdown),
// power-on starts the program again on the same data, pause is SIGSTOP.
//
// No node outlives the harness: each child holds an IPC channel to the harness and
// exits when it closes (also when the harness is SIGKILLed); the pids are journaled
// in <runDir>/nodes/pids.json so `gameday heal` can finish the job after a crash.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { portKey, type NodeInfo, type Target, type Topology } from '../../targets/target.ts';
import { freePort } from './ports.ts';
import { commandProbe, httpProbe, tcpProbe, waitProbe } from './ready.ts';
import { PACKAGE_ROOT, programArgs } from './program.ts';
import { urlOf, type Address, type Provider, type StartedCluster, type StartOptions } from './provider.ts';

/** Maps (from party, to node) to the address to dial: direct by default, through the fault proxy when links are interposed. */
export interface LinkMap {
  /** `from` is a node id, or `canary:<az>` / `harness`; `to` a node id (its main port) or `<id>#<port>`. */
  dial(from: string, to: string): Address;
}

interface LocalNode {
  readonly info: NodeInfo;
  readonly listen: Address;
  /** Named ports beside the main one. */
  readonly ports: Readonly<Record<string, Address>>;
  readonly dataDir: string;
  readonly logPath: string;
  child: ChildProcess | undefined;
  paused: boolean;
}

export class LocalProvider implements Provider {
  readonly name = 'local';
  /** Optional hook to interpose the fault proxy between parties (see harness/faults). */
  constructor(private readonly links?: (listen: ReadonlyMap<string, Address>, topology: Topology) => Promise<LinkMap>) {}

  async start(target: Target, topology: Topology, opts: StartOptions): Promise<StartedLocalCluster> {
    const nodes = new Map<string, LocalNode>();
    const azIndex = new Map(topology.azs.map((az, i) => [az, i + 1]));
    const perAz = new Map<string, number>();
    for (const info of topology.nodes) {
      const k = (perAz.get(info.az) ?? 0) + 1;
      perAz.set(info.az, k);
      const host = `127.0.${azIndex.get(info.az)}.${k}`;
      const dir = join(opts.runDir, 'nodes', info.id);
      mkdirSync(join(dir, 'data'), { recursive: true });
      const ports: Record<string, Address> = {};
      for (const name of info.ports ?? []) ports[name] = { host, port: await freePort(host) };
      nodes.set(info.id, {
        info,
        listen: { host, port: await freePort(host) },
        ports,
        dataDir: join(dir, 'data'),
        logPath: join(dir, 'node.log'),
        child: undefined,
        paused: false,
      });
    }
    // every port a link can lead to: a node's main port under its id, a named one under <id>#<port>
    const listenMap = new Map(
      [...nodes].flatMap(([id, n]) => [[id, n.listen] as const, ...Object.entries(n.ports).map(([p, a]) => [portKey(id, p), a] as const)]),
    );
    const links: LinkMap = this.links ? await this.links(listenMap, topology) : { dial: (_from, to) => listenMap.get(to) as Address };
    const cluster = new StartedLocalCluster(target, topology, nodes, links, opts);
    try {
      await Promise.all([...nodes.keys()].map((id) => cluster.powerOn(id)));
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }
}

export class StartedLocalCluster implements StartedCluster {
  readonly provider = 'local';
  private stopped = false;

  constructor(
    private readonly target: Target,
    readonly topology: Topology,
    private readonly nodes: Map<string, LocalNode>,
    private readonly links: LinkMap,
    private readonly opts: StartOptions,
  ) {}

  private node(id: string): LocalNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node "${id}" in this cluster (nodes: ${[...this.nodes.keys()].join(', ')})`);
    return n;
  }

  url(nodeId: string, fromAz?: string): string {
    return urlOf(this.links.dial(fromAz ? `canary:${fromAz}` : 'harness', nodeId));
  }

  endpoints(): readonly NodeInfo[] {
    return this.topology.nodes.filter((n) => n.public);
  }

  isUp(nodeId: string): boolean {
    const n = this.node(nodeId);
    return n.child !== undefined && n.child.exitCode === null && n.child.signalCode === null && !n.paused;
  }

  async powerOff(nodeId: string): Promise<void> {
    const n = this.node(nodeId);
    const child = n.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGKILL');
    await gone;
    n.paused = false;
    this.journal();
  }

  async powerOn(nodeId: string): Promise<void> {
    if (this.stopped) throw new Error('cluster is stopped');
    const n = this.node(nodeId);
    if (n.child && n.child.exitCode === null && n.child.signalCode === null) return;
    const spec = this.target.launch(n.info, {
      listen: n.listen,
      ports: n.ports,
      advertiseHost: n.listen.host,
      dataDir: n.dataDir,
      hostDataDir: n.dataDir,
      peerAddress: (to, port) => this.links.dial(n.info.id, portKey(to, port)),
      peerUrl: (to, port) => urlOf(this.links.dial(n.info.id, portKey(to, port))),
      targetOptions: this.opts.targetOptions ?? {},
    });
    if (spec.command === undefined && spec.entry === undefined) {
      throw new Error(
        `node ${n.info.id} of target ${this.target.name} gives ${spec.image !== undefined ? `only an image (${spec.image}), which runs on docker` : 'no entry or command to start'}: give a command for local processes, or use --provider docker`,
      );
    }
    const fd = openSync(n.logPath, 'a');
    const env = { ...process.env, ...spec.env, GAMEDAY_RUN_ID: this.opts.runId, GAMEDAY_NODE_ID: n.info.id };
    // a node program of ours holds an IPC channel and exits when the harness does; any other
    // executable runs as itself (power-off must reach the real process), `gameday heal` ends it after a crash
    const child = spec.command
      ? spawn(spec.command[0] as string, [...spec.command.slice(1), ...spec.args], { cwd: n.dataDir, env, stdio: ['ignore', fd, fd] })
      : spawn(process.execPath, [...programArgs(spec.entry ?? ''), ...spec.args], { cwd: PACKAGE_ROOT, env, stdio: ['ignore', fd, fd, 'ipc'] });
    closeSync(fd);
    const spawned = new Promise<Error | undefined>((r) => {
      child.once('spawn', () => r(undefined));
      child.once('error', (err) => r(err));
    });
    const failed = await spawned;
    if (failed) throw new Error(`node ${n.info.id}: cannot start ${spec.command?.[0] ?? spec.entry}: ${failed.message}`);
    n.child = child;
    n.paused = false;
    this.journal();
    const tcpAt = (port: true | string): Address => (port === true ? n.listen : (n.ports[port] ?? n.listen));
    const probe =
      spec.ready === undefined
        ? httpProbe(`${urlOf(n.listen)}${spec.readyPath}`)
        : 'tcp' in spec.ready
          ? tcpProbe(tcpAt(spec.ready.tcp).host, tcpAt(spec.ready.tcp).port)
          : commandProbe(spec.ready.command, env);
    await waitProbe(probe, {
      timeoutMs: this.opts.readyTimeoutMs ?? 20_000,
      what: `node ${nodeId}`,
      gone: () =>
        child.exitCode !== null
          ? `exited with code ${child.exitCode} (see ${n.logPath})`
          : child.signalCode !== null
            ? `was killed by ${child.signalCode}`
            : undefined,
    });
  }

  async pause(nodeId: string): Promise<void> {
    const n = this.node(nodeId);
    if (n.child && n.child.exitCode === null && !n.paused) {
      n.child.kill('SIGSTOP');
      n.paused = true;
    }
  }

  async resume(nodeId: string): Promise<void> {
    const n = this.node(nodeId);
    if (n.child && n.paused) {
      n.child.kill('SIGCONT');
      n.paused = false;
    }
  }

  /** Every live node's pid, for the crash journal. */
  pids(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [id, n] of this.nodes) if (n.child?.pid && n.child.exitCode === null && n.child.signalCode === null) out[id] = n.child.pid;
    return out;
  }

  private journal(): void {
    try {
      writeFileSync(join(this.opts.runDir, 'nodes', 'pids.json'), JSON.stringify({ runId: this.opts.runId, pids: this.pids() }) + '\n');
    } catch {
      /* the run folder may be gone in tests; the IPC channel still ends the children */
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all(
      [...this.nodes.values()].map(async (n) => {
        const c = n.child;
        if (!c || c.exitCode !== null || c.signalCode !== null) return;
        const gone = new Promise<void>((r) => c.once('exit', () => r()));
        if (n.paused) c.kill('SIGCONT');
        c.kill('SIGKILL');
        await gone;
      }),
    );
    this.journal();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
