// A started cluster on Docker: one container per node and one gateway container per
// AZ on the run's network. Power cuts are container kills, pauses use the cgroup
// freezer, and cut links are DROP rules in the receiving container's namespace
// (re-applied when a node comes back, since a killed container loses its namespace).
// A run with link faults also has its fault-proxy container (fault-proxy.ts), which
// is no party: it is never cut or powered off, and is removed with the rest.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StartedCluster } from '../provider.ts';
import type { Probe } from '../ready.ts';
import type { NodeInfo, Topology } from '../../../targets/target.ts';
import { logsOf, stateOf, waitContainerReady } from './container.ts';
import type { StartedFaultProxy } from './fault-proxy.ts';
import { writeJournal, type DirectedLink, type JournalParty } from './journal.ts';
import { GATEWAY_BASE_PORT, gatewayId, NODE_PORT } from './names.ts';
import { removeChain, writeDrops } from './netns.ts';
import { dockerode } from './runtime.ts';
import type { RunNetwork } from './network.ts';
import type Dockerode from 'dockerode';

export interface Party extends JournalParty {
  readonly handle: Dockerode.Container;
  /** Says when the party is ready (probed from the host). */
  readonly ready: Probe;
  /** node index (forwarding port on gateways), -1 for gateways */
  readonly index: number;
  /** The node's main port in its container (default NODE_PORT). */
  readonly port?: number;
  /** false for a container gameday attached to (not created): it is healed and left, never removed. */
  readonly owned?: boolean;
  /** The attached container's id. */
  readonly id?: string;
  /**
   * Asked on each power-on of a node gameday created: when the target's launch spec
   * for it changed since its container was made (an upgrade: Target.useBuild), how to
   * make its container again from the new spec (same name, address, mounts and data);
   * undefined when nothing changed and the container is started as it is.
   */
  readonly relaunch?: () => (() => Promise<Dockerode.Container>) | undefined;
}

type Power = 'on' | 'off' | 'paused';
const key = (l: DirectedLink): string => `${l.from}\u0000${l.to}`;

export class DockerCluster implements StartedCluster {
  readonly provider = 'docker';
  private readonly power = new Map<string, Power>();
  /** Attached containers: the state each may be in, journaled before an action and after its undoing, so that heal always knows the worst. */
  private readonly intended = new Map<string, Power>();
  private readonly cuts = new Map<string, { link: DirectedLink; owners: Map<string, boolean> }>();
  private stopped = false;
  /** Parties by id (a relaunched node's entry is replaced: its new container). */
  private readonly parties: Map<string, Party>;
  /** What the containers a relaunch removed had logged, kept for node.log. */
  private readonly earlierLogs = new Map<string, string>();

  constructor(
    readonly topology: Topology,
    readonly runId: string,
    readonly runDir: string,
    readonly network: RunNetwork,
    readonly chain: string,
    given: ReadonlyMap<string, Party>,
    private readonly readyTimeoutMs: number,
    /** The run's fault proxy, when its links are interposed (runs with link faults). */
    readonly faultProxy?: StartedFaultProxy,
    /** false when the network is the user's (attach): left as it is at the end. */
    private readonly ownsNetwork = true,
  ) {
    this.parties = new Map(given);
    for (const p of this.parties.keys()) this.power.set(p, 'on');
    this.saveJournal('running');
  }

  party(id: string): Party {
    const p = this.parties.get(id);
    if (!p) throw new RangeError(`docker cluster ${this.runId}: no node or gateway "${id}" (known: ${[...this.parties.keys()].join(', ')})`);
    return p;
  }

  partyIds(): string[] {
    return [...this.parties.keys()];
  }

  url(nodeId: string, fromAz?: string): string {
    const node = this.party(nodeId);
    if (node.kind !== 'node') throw new RangeError(`"${nodeId}" is a gateway, not a node`);
    if (fromAz === undefined) return `http://${node.ip}:${node.port ?? NODE_PORT}`;
    const gw = this.party(gatewayId(fromAz));
    return `http://${gw.ip}:${GATEWAY_BASE_PORT + node.index}`;
  }

  endpoints(): readonly NodeInfo[] {
    return this.topology.nodes.filter((n) => n.public);
  }

  isUp(nodeId: string): boolean {
    return this.power.get(this.party(nodeId).party) !== 'off';
  }

  async powerOff(nodeId: string): Promise<void> {
    const p = this.party(nodeId);
    if (this.power.get(p.party) === 'off') return;
    if (p.owned === false) this.intend(p.party, 'off'); // how to undo it, before it is done
    const s = await stateOf(p.handle);
    if (s.running) {
      await p.handle.kill({ signal: 'SIGKILL' }).catch((err: { statusCode?: number }) => {
        if (err.statusCode !== 409) throw err; // 409: not running any more
      });
      await p.handle.wait({ condition: 'not-running' });
    }
    this.power.set(p.party, 'off');
  }

  async powerOn(nodeId: string): Promise<void> {
    let p = this.party(nodeId);
    const power = this.power.get(p.party);
    if (power === 'paused') return this.resume(nodeId);
    if (power === 'off') {
      const remake = p.relaunch?.();
      if (remake) {
        // another build: the container is made again from the new spec, on the same data (a bind mount of the run folder)
        const logs = await logsOf(p.handle).catch(() => '');
        this.earlierLogs.set(p.party, (this.earlierLogs.get(p.party) ?? '') + logs);
        await p.handle.remove({ force: true, v: true });
        p = { ...p, handle: await remake() };
        this.parties.set(p.party, p);
      } else await p.handle.start();
      this.power.set(p.party, 'on');
      await this.applyDrops([p.party]); // its namespace is new: put its cuts back first
    }
    await waitContainerReady(p.handle, p.ready, this.readyTimeoutMs, `${p.kind} ${p.party} (${p.container})`);
    if (p.owned === false && this.intended.get(p.party) !== 'on') this.intend(p.party, 'on');
  }

  async pause(nodeId: string): Promise<void> {
    const p = this.party(nodeId);
    if (this.power.get(p.party) !== 'on') return;
    if (p.owned === false) this.intend(p.party, 'paused');
    await p.handle.pause();
    this.power.set(p.party, 'paused');
  }

  async resume(nodeId: string): Promise<void> {
    const p = this.party(nodeId);
    if (this.power.get(p.party) !== 'paused') return;
    await p.handle.unpause();
    this.power.set(p.party, 'on');
    if (p.owned === false) this.intend(p.party, 'on');
  }

  /** Directed links currently cut (by any holder). */
  cutLinks(): DirectedLink[] {
    return [...this.cuts.values()].map((c) => c.link);
  }

  /**
   * `owner` (a fault id) holds `links` cut: a link stays cut while any owner holds it,
   * so faults compose and a heal removes only its own. `reject`: the receiver answers
   * with a TCP reset instead of dropping (a refusal rather than a timeout).
   */
  async hold(owner: string, links: readonly DirectedLink[], reject = false): Promise<void> {
    this.checkLinks(links);
    const touched = new Set<string>();
    for (const l of links) {
      const c = this.cuts.get(key(l)) ?? { link: { from: l.from, to: l.to }, owners: new Map<string, boolean>() };
      if (c.owners.get(owner) !== reject) touched.add(l.to);
      c.owners.set(owner, reject);
      this.cuts.set(key(l), c);
    }
    this.saveJournal('running'); // before applying: a crash half-way is still healed
    await this.applyDrops([...touched]);
  }

  /** `owner` lets go of `links` (all of its links when omitted). Idempotent. */
  async release(owner: string, links?: readonly DirectedLink[]): Promise<void> {
    if (links) this.checkLinks(links);
    const only = links ? new Set(links.map(key)) : undefined;
    const touched = new Set<string>();
    for (const [k, c] of this.cuts) {
      if ((only && !only.has(k)) || !c.owners.delete(owner)) continue;
      touched.add(c.link.to);
      if (c.owners.size === 0) this.cuts.delete(k);
    }
    this.saveJournal('running');
    await this.applyDrops([...touched]);
  }

  /** Every holder lets go of every link. Idempotent. */
  async releaseAll(): Promise<void> {
    const touched = new Set(this.cutLinks().map((l) => l.to));
    this.cuts.clear();
    this.saveJournal('running');
    await this.applyDrops([...touched]);
  }

  private checkLinks(links: readonly DirectedLink[]): void {
    for (const l of links) {
      this.party(l.from);
      this.party(l.to);
      if (l.from === l.to) throw new RangeError(`cannot cut "${l.from}" from itself`);
    }
  }

  /** Writes each party's drops into its namespace (skips parties that are powered off). */
  private async applyDrops(partyIds: readonly string[]): Promise<void> {
    await Promise.all(
      partyIds.map(async (id) => {
        if (this.power.get(id) === 'off') return;
        const p = this.party(id);
        const from = [...this.cuts.values()]
          .filter((c) => c.link.to === id)
          .map((c) => ({ ip: this.party(c.link.from).ip, reject: [...c.owners.values()].every(Boolean) }));
        const { pid, running } = await stateOf(p.handle);
        if (!running) return;
        await writeDrops(pid, this.chain, from);
      }),
    );
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all([
      ...[...this.parties.values()].map(async (p) => {
        if (p.owned === false) return this.restoreAttached(p);
        try {
          const dir = join(this.runDir, 'nodes', p.kind === 'node' ? p.party : `gw-${p.az}`);
          mkdirSync(dir, { recursive: true });
          writeFileSync(join(dir, p.kind === 'node' ? 'node.log' : 'gateway.log'), (this.earlierLogs.get(p.party) ?? '') + (await logsOf(p.handle)));
        } catch {
          /* logs are best effort */
        }
        await p.handle.remove({ force: true, v: true }).catch(() => undefined);
      }),
      (async () => {
        const fp = this.faultProxy;
        if (!fp) return;
        try {
          const dir = join(this.runDir, 'nodes', 'faultproxy');
          mkdirSync(dir, { recursive: true });
          writeFileSync(join(dir, 'faultproxy.log'), await logsOf(fp.handle));
        } catch {
          /* logs are best effort */
        }
        await fp.handle.remove({ force: true, v: true }).catch(() => undefined); // its proxies and toxics go with it
      })(),
    ]);
    if (this.ownsNetwork) await removeNetwork(this.network.id);
    this.cuts.clear();
    try {
      this.saveJournal('stopped');
    } catch {
      /* never throws */
    }
  }

  /** An attached container as it was found: running (started again, thawed), without the run's chain. Never removed. */
  private async restoreAttached(p: Party): Promise<void> {
    try {
      const power = this.power.get(p.party);
      if (power === 'paused') await p.handle.unpause().catch(() => undefined);
      let s = await stateOf(p.handle);
      if (!s.running && power === 'off') {
        await p.handle.start().catch(() => undefined);
        s = await stateOf(p.handle);
      }
      if (s.running) await removeChain(s.pid, this.chain).catch(() => undefined);
      this.power.set(p.party, 'on');
      this.intended.set(p.party, 'on');
    } catch {
      /* heal reports what is left */
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  private intend(party: string, power: Power): void {
    this.intended.set(party, power);
    this.saveJournal('running');
  }

  private saveJournal(state: 'running' | 'stopped'): void {
    const attached = [...this.parties.values()].filter((p) => p.owned === false);
    writeJournal(this.runDir, {
      runId: this.runId,
      network: this.network.name,
      subnet: this.network.subnet,
      chain: this.chain,
      parties: [...this.parties.values()].map(({ party, kind, az, container, ip }) => ({ party, kind, az, container, ip })),
      cuts: this.cutLinks(),
      ...(this.faultProxy ? { faultProxy: { container: this.faultProxy.container, ip: this.faultProxy.ip, api: this.faultProxy.api } } : {}),
      ...(attached.length > 0
        ? { attached: attached.map((p) => ({ party: p.party, container: p.container, id: p.id ?? p.container, power: this.intended.get(p.party) ?? 'on' })) }
        : {}),
      ...(this.ownsNetwork ? {} : { ownsNetwork: false }),
      state,
    });
  }
}

async function removeNetwork(id: string): Promise<void> {
  const docker = await dockerode();
  for (let i = 0; i < 5; i++) {
    try {
      await docker.getNetwork(id).remove();
      return;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return;
      await new Promise((r) => setTimeout(r, 200)); // endpoints of just-removed containers linger briefly
    }
  }
}
