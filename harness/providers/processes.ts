// The processes provider: game days on processes the user already runs on this
// machine (a systemd unit, a dev cluster started by a script). Each node is named with
// its endpoint (loopback only), its pid file, and the command that starts it again
// (e.g. `systemctl start etcd@1`); optionally the command that powers it off (default:
// SIGKILL to the pid the pid file names). gameday starts nothing of its own but the
// fault proxy in front of the endpoints, when the experiment has network faults: the
// canaries' links then go through it, so a partition cuts the canaries off the nodes
// on the other side (the nodes' own links to each other are theirs, untouched).
//
// Before a node is powered off or paused, `<runDir>/processes-state.json` records it
// with the command that starts it again; at the end, on Ctrl-C, and in `gameday heal`
// after a crash, every node powered off is started again and every one paused is
// continued. gameday never signals a pid other than the one a named pid file holds.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeInfo, Target, Topology } from '../../targets/target.ts';
import type { LinkMap } from './local.ts';
import { httpProbe, tcpProbe, waitProbe, type Probe } from './ready.ts';
import { urlOf, type Address, type Provider, type StartedCluster, type StartOptions } from './provider.ts';

export interface ProcessNodeSpec {
  readonly id: string;
  readonly az: string;
  readonly role?: string | undefined;
  /** Its public endpoint, http://127.x.y.z:port (loopback only). */
  readonly endpoint: string;
  /** A file holding its pid: what power-off (SIGKILL) and pause (SIGSTOP) signal. */
  readonly pidFile: string;
  /** The command that starts it again after a power-off (and writes the pid file). */
  readonly powerOn: readonly string[];
  /** The command that powers it off, instead of SIGKILL to its pid (e.g. systemctl kill -s KILL unit). */
  readonly powerOff?: readonly string[] | undefined;
  /** HTTP path answering 200 when it is ready (default: its port accepting TCP). */
  readonly readyPath?: string | undefined;
}

export interface ProcessesSpec {
  readonly nodes: readonly ProcessNodeSpec[];
}

export const PROCESSES_JOURNAL = 'processes-state.json';

interface JournalNode {
  readonly id: string;
  readonly pidFile: string;
  readonly pid: number;
  readonly powerOn: readonly string[];
  readonly state: 'on' | 'off' | 'paused';
}

const LOOPBACK = /^127\.\d+\.\d+\.\d+$/;

/** Problems with the nodes as given (exit 2 before anything is touched): endpoints off loopback, pid files that name no running process. */
export function checkProcesses(spec: ProcessesSpec, where = 'provider'): { path: string; message: string; fix: string }[] {
  const out: { path: string; message: string; fix: string }[] = [];
  const ids = new Set<string>();
  spec.nodes.forEach((n, i) => {
    const at = `${where}.nodes[${i}]`;
    if (ids.has(n.id)) out.push({ path: `${at}.id`, message: `node ${n.id} is given twice`, fix: 'give each node its own id' });
    ids.add(n.id);
    let u: URL | undefined;
    try {
      u = new URL(n.endpoint);
    } catch {
      out.push({ path: `${at}.endpoint`, message: `${n.endpoint} is not a URL`, fix: 'write it like http://127.0.0.1:2379' });
    }
    if (u && (u.protocol !== 'http:' || !LOOPBACK.test(u.hostname) || u.port === ''))
      out.push({
        path: `${at}.endpoint`,
        message: `${n.endpoint} is not an http:// address with a port on loopback`,
        fix: "name the node's endpoint on this machine, e.g. http://127.0.0.1:2379 (gameday sends traffic to loopback only)",
      });
    const pid = readPid(n.pidFile);
    if (pid === undefined)
      out.push({
        path: `${at}.pid-file`,
        message: `${n.pidFile} holds no pid`,
        fix: 'start the node first (its pid file is written when it starts), or name the right file',
      });
    else if (!isAlive(pid))
      out.push({
        path: `${at}.pid-file`,
        message: `process ${pid} (from ${n.pidFile}) is not running before the game day`,
        fix: 'start the node first; gameday faults only nodes that are running',
      });
  });
  return out;
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** Runs a command to its end (a power-on or power-off command), detached from the harness so what it starts outlives it. */
function runCommand(argv: readonly string[], timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let err = '';
    child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${argv.join(' ')} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${argv[0]}: ${e.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${argv.join(' ')} exited ${code}${err ? `: ${err.trim().slice(-500)}` : ''}`));
    });
  });
}

const addressOf = (endpoint: string): Address => {
  const u = new URL(endpoint);
  return { host: u.hostname, port: Number(u.port) };
};

export function processesTopology(spec: ProcessesSpec): Topology {
  return {
    region: 'processes',
    azs: [...new Set(spec.nodes.map((n) => n.az))].sort(),
    nodes: spec.nodes.map((n): NodeInfo => ({ id: n.id, az: n.az, role: n.role ?? 'node', public: true })),
  };
}

export class ProcessesProvider implements Provider {
  readonly name = 'processes';
  constructor(
    private readonly spec: ProcessesSpec,
    /** The fault proxy in front of the endpoints (runs with network faults). */
    private readonly links?: (listen: ReadonlyMap<string, Address>, topology: Topology) => Promise<LinkMap>,
  ) {}

  async start(_target: Target, topology: Topology, opts: StartOptions): Promise<StartedProcesses> {
    const endpoints = new Map(this.spec.nodes.map((n) => [n.id, addressOf(n.endpoint)]));
    const links: LinkMap = this.links ? await this.links(endpoints, topology) : { dial: (_from, to) => endpoints.get(to) as Address };
    const cluster = new StartedProcesses(topology, this.spec, links, opts);
    await Promise.all(this.spec.nodes.map((n) => waitProbe(cluster.probe(n.id), { timeoutMs: opts.readyTimeoutMs ?? 30_000, what: `node ${n.id}` })));
    return cluster;
  }
}

export class StartedProcesses implements StartedCluster {
  readonly provider = 'processes';
  private readonly state = new Map<string, JournalNode>();
  private stopped = false;

  constructor(
    readonly topology: Topology,
    private readonly spec: ProcessesSpec,
    private readonly links: LinkMap,
    private readonly opts: StartOptions,
  ) {
    for (const n of spec.nodes) this.state.set(n.id, { id: n.id, pidFile: n.pidFile, pid: readPid(n.pidFile) ?? 0, powerOn: n.powerOn, state: 'on' });
    this.journal();
  }

  private node(id: string): ProcessNodeSpec {
    const n = this.spec.nodes.find((x) => x.id === id);
    if (!n) throw new RangeError(`no node "${id}" (nodes: ${this.spec.nodes.map((x) => x.id).join(', ')})`);
    return n;
  }

  probe(id: string): Probe {
    const n = this.node(id);
    const a = addressOf(n.endpoint);
    return n.readyPath !== undefined ? httpProbe(`${urlOf(a)}${n.readyPath}`) : tcpProbe(a.host, a.port);
  }

  url(nodeId: string, fromAz?: string): string {
    this.node(nodeId);
    return urlOf(this.links.dial(fromAz ? `canary:${fromAz}` : 'harness', nodeId));
  }

  endpoints(): readonly NodeInfo[] {
    return this.topology.nodes;
  }

  isUp(nodeId: string): boolean {
    const s = this.state.get(nodeId);
    return s?.state === 'on' && isAlive(s.pid);
  }

  private set(id: string, patch: Partial<JournalNode>): void {
    const s = this.state.get(id);
    if (s) this.state.set(id, { ...s, ...patch });
    this.journal();
  }

  async powerOff(nodeId: string): Promise<void> {
    const n = this.node(nodeId);
    const s = this.state.get(nodeId);
    if (!s || s.state === 'off') return;
    const pid = readPid(n.pidFile) ?? s.pid;
    this.set(nodeId, { pid, state: 'off' }); // how to undo it, before it is done
    if (n.powerOff) await runCommand(n.powerOff);
    else if (isAlive(pid)) {
      process.kill(pid, 'SIGCONT'); // a paused one dies as well
      process.kill(pid, 'SIGKILL');
    }
    const deadline = Date.now() + 10_000;
    while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (isAlive(pid)) throw new Error(`node ${nodeId}: process ${pid} still runs 10 s after its power-off`);
  }

  async powerOn(nodeId: string): Promise<void> {
    const s = this.state.get(nodeId);
    if (!s) return;
    if (s.state === 'paused') return this.resume(nodeId);
    if (s.state === 'off') {
      await runCommand(this.node(nodeId).powerOn);
      await waitProbe(this.probe(nodeId), { timeoutMs: this.opts.readyTimeoutMs ?? 30_000, what: `node ${nodeId}` });
      this.set(nodeId, { pid: readPid(this.node(nodeId).pidFile) ?? 0, state: 'on' });
    }
  }

  async pause(nodeId: string): Promise<void> {
    const s = this.state.get(nodeId);
    if (s?.state !== 'on') return;
    this.set(nodeId, { state: 'paused' });
    process.kill(s.pid, 'SIGSTOP');
  }

  async resume(nodeId: string): Promise<void> {
    const s = this.state.get(nodeId);
    if (s?.state !== 'paused') return;
    if (isAlive(s.pid)) process.kill(s.pid, 'SIGCONT');
    this.set(nodeId, { state: 'on' });
  }

  /** Every node as it was found: paused ones continued, powered-off ones started again. Never stops one. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const s of this.state.values()) {
      try {
        if (s.state === 'paused') await this.resume(s.id);
        else if (s.state === 'off') {
          this.stopped = false;
          await this.powerOn(s.id);
          this.stopped = true;
        }
      } catch {
        /* gameday heal tries again */
      }
    }
    this.journal('stopped');
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  private journal(state: 'running' | 'stopped' = 'running'): void {
    mkdirSync(this.opts.runDir, { recursive: true });
    const file = join(this.opts.runDir, PROCESSES_JOURNAL);
    writeFileSync(`${file}.tmp`, JSON.stringify({ provider: 'processes', runId: this.opts.runId, state, nodes: [...this.state.values()] }, null, 2) + '\n');
    renameSync(`${file}.tmp`, file);
  }
}

/** After a crash (`gameday heal`): continue the nodes the run paused and start again those it powered off. */
export async function healProcesses(runDir: string): Promise<{ restarted: string[]; continued: string[]; errors: string[] }> {
  const file = join(runDir, PROCESSES_JOURNAL);
  const out = { restarted: [] as string[], continued: [] as string[], errors: [] as string[] };
  if (!existsSync(file)) return out;
  const j = JSON.parse(readFileSync(file, 'utf8')) as { nodes: JournalNode[] };
  for (const n of j.nodes) {
    try {
      if (n.state === 'paused' && isAlive(n.pid)) {
        process.kill(n.pid, 'SIGCONT');
        out.continued.push(n.id);
      } else if (n.state === 'off') {
        const now = readPid(n.pidFile);
        if (now === undefined || !isAlive(now) || now === n.pid) {
          await runCommand(n.powerOn);
          out.restarted.push(n.id);
        }
      }
    } catch (err) {
      out.errors.push(`${n.id}: ${(err as Error).message}`);
    }
  }
  writeFileSync(file, JSON.stringify({ ...j, state: 'stopped', nodes: j.nodes.map((n) => ({ ...n, state: 'on' })) }, null, 2) + '\n');
  return out;
}
