// The proxy layer of the local provider: every link between AZ-tagged parties goes
// through a Toxiproxy-API proxy, so a fault can cut or degrade exactly the links
// between chosen AZs or nodes. Driven with toxiproxy-node-client, against the
// embedded server (harness/toxiproxy, one per run, started on the first use) or a
// real Toxiproxy given with --toxiproxy.
//
// Parties: every node, and `canary:<az>` (every canary of an AZ dials through the
// same proxies, so the canaries reach only what their AZ can reach). One proxy per
// (party, destination): node → every other node, canary:<az> → every public node;
// for the reference cluster (9 nodes, 3 routers, 3 AZs) that is 72 + 9 = 81 proxies.
// The harness itself (scrub, final reads) dials direct.
//
// A partition puts a blackhole (toxic `timeout`, 0 ms: data held, connection left
// open) or a `reset_peer` on both streams of every link that crosses the cut; a
// one-way cut only on the stream that carries what side A sends. Each fault's toxics
// are named after the fault, so faults compose and a heal removes only its own.
// The proxies live in the harness process (embedded server): if the harness dies,
// so do they and every toxic in them, and `gameday heal` has nothing to undo.
// On docker the same code drives the run's own fault-proxy container instead
// (interposeRunProxy); removing that container (stop, `gameday heal`) removes them.

import { Toxiproxy, type Proxy, type Toxic, type ToxicType } from 'toxiproxy-node-client';
import { startToxiproxyServer, type StartedToxiproxyServer } from '../toxiproxy/server.ts';
import { nodeOfKey, portKey, type Topology } from '../../targets/target.ts';
import type { LinkMap } from '../providers/local.ts';
import type { Address } from '../providers/provider.ts';
import type { NetPlan } from '../schedule/net-plan.ts';

export interface ProxyNetOptions {
  /** Base URL of a running Toxiproxy (loopback only); default: the embedded server. */
  readonly toxiproxyUrl?: string | undefined;
  /** Seed of the embedded server's random choices (toxicity, jitter). */
  readonly seed?: number | undefined;
  /** Prefix of proxy names (runs sharing a real Toxiproxy must not collide). */
  readonly prefix?: string;
}

interface Link {
  readonly from: string;
  readonly to: string;
  readonly proxy: Proxy;
  readonly listen: Address;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/;

/** Throws unless the URL names a Toxiproxy API on a loopback address. */
export function checkToxiproxyUrl(url: string): URL {
  const u = new URL(url);
  if (u.protocol !== 'http:') throw new Error(`--toxiproxy ${url}: only http:// is spoken by Toxiproxy`);
  if (!LOOPBACK.test(u.hostname))
    throw new Error(`--toxiproxy ${url}: only loopback addresses (127.x.x.x, localhost) are allowed; faults send traffic to loopback only`);
  return u;
}

export function parseHostPort(s: string): Address {
  const i = s.lastIndexOf(':');
  return { host: s.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(s.slice(i + 1)) };
}

/** Runs `fn` over `xs` with at most `n` in flight. */
async function pool<T, R>(xs: readonly T[], n: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(xs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, xs.length) }, async () => {
      while (next < xs.length) {
        const i = next++;
        out[i] = await fn(xs[i] as T);
      }
    }),
  );
  return out;
}

export class ProxyNet {
  private server: StartedToxiproxyServer | undefined;
  private client: Toxiproxy | undefined;
  private links: Link[] = [];
  private topology: Topology | undefined;
  private readonly applied = new Map<string, Toxic<unknown>[]>();
  /** The run's own fault-proxy container (docker), when the links live there. */
  private runProxy: URL | undefined;
  /** Figures: how long creating the proxies took, ms. */
  setupMs = 0;

  constructor(private readonly opts: ProxyNetOptions = {}) {
    if (opts.toxiproxyUrl) checkToxiproxyUrl(opts.toxiproxyUrl);
  }

  /** How many proxies the run created (still known after close). */
  proxyCount = 0;

  /** The local provider's hook: creates the proxies and answers dial(from, to). */
  readonly hook = async (listen: ReadonlyMap<string, Address>, topology: Topology): Promise<LinkMap> => {
    const t0 = performance.now();
    this.topology = topology;
    let host: string;
    if (this.runProxy) {
      this.client = new Toxiproxy(this.runProxy.origin);
      host = this.runProxy.hostname; // proxies listen on the container's address
    } else if (this.opts.toxiproxyUrl) {
      const u = checkToxiproxyUrl(this.opts.toxiproxyUrl);
      this.client = new Toxiproxy(u.origin);
      host = u.hostname === 'localhost' ? '127.0.0.1' : u.hostname.replace(/^\[|\]$/g, '');
    } else {
      this.server = await startToxiproxyServer({ host: '127.0.0.1', port: 0, ...(this.opts.seed !== undefined ? { seed: this.opts.seed } : {}) });
      this.client = new Toxiproxy(this.server.url);
      host = '127.0.0.1';
    }
    const client = this.client;
    const prefix = this.opts.prefix ?? 'gameday';
    const pairs: { from: string; to: string }[] = [];
    // node → every port of every other node (its main port, and each named one: <id>#<port>)
    for (const n of topology.nodes)
      for (const m of topology.nodes)
        if (n.id !== m.id) for (const to of [m.id, ...(m.ports ?? []).map((p) => portKey(m.id, p))]) pairs.push({ from: n.id, to });
    for (const az of topology.azs) for (const m of topology.nodes) if (m.public) pairs.push({ from: `canary:${az}`, to: m.id });
    this.links = await pool(pairs, 16, async ({ from, to }) => {
      const up = listen.get(to);
      if (!up) throw new Error(`no listen address for ${to}`);
      const proxy = await client.createProxy({
        name: `${prefix}.${from.replace(':', '-')}.${to.replace('#', '-')}`,
        listen: `${host}:0`,
        upstream: `${up.host}:${up.port}`,
      });
      return { from, to, proxy, listen: parseHostPort(proxy.listen) };
    });
    this.proxyCount = this.links.length;
    const byPair = new Map(this.links.map((l) => [`${l.from}>${l.to}`, l.listen]));
    this.setupMs = Math.round(performance.now() - t0);
    return {
      dial: (from, to) => {
        const direct = listen.get(to);
        if (!direct) throw new Error(`no node "${to}"`);
        return from === 'harness' ? direct : (byPair.get(`${from}>${to}`) ?? direct);
      },
    };
  };

  /**
   * The docker provider's hook: the proxies are made in the run's own fault-proxy
   * container at `api.url`, whose address must lie in the run's network (nothing
   * else but loopback is ever driven), towards the nodes at `upstreams`.
   */
  async interposeRunProxy(
    api: { readonly url: string; readonly subnet: string },
    upstreams: ReadonlyMap<string, Address>,
    topology: Topology,
  ): Promise<LinkMap> {
    if (this.opts.toxiproxyUrl) throw new Error(`a Toxiproxy is already given (${this.opts.toxiproxyUrl}); the run's fault proxy cannot be used as well`);
    this.runProxy = checkRunProxyUrl(api.url, api.subnet);
    return this.hook(upstreams, topology);
  }

  /** Which sides (0 = A, 1 = B) a party is on; canaries follow their AZ. */
  private sidesOf(party: string, net: NetPlan): Set<number> {
    const out = new Set<number>();
    const topo = this.topology;
    if (!topo) return out;
    if (party.startsWith('canary:')) {
      const az = party.slice(7);
      if (net.azSides) {
        net.azSides.forEach((azs, i) => {
          if (azs.includes(az)) out.add(i);
        });
        return out;
      }
      // a node-level shape splits the AZ: its canaries go with most of its nodes
      const ids = topo.nodes.filter((n) => n.az === az).map((n) => n.id);
      const counts = net.sides.map((s) => ids.filter((id) => s.includes(id)).length);
      const max = Math.max(...counts);
      if (max > 0)
        counts.forEach((c, i) => {
          if (c === max) out.add(i);
        });
      return out;
    }
    net.sides.forEach((s, i) => {
      if (s.includes(party)) out.add(i);
    });
    return out;
  }

  /** The (link, stream) pairs a network fault puts its toxic on. */
  affected(net: NetPlan): { link: Link; stream: 'upstream' | 'downstream' }[] {
    const out: { link: Link; stream: 'upstream' | 'downstream' }[] = [];
    const streams = (s: NetPlan['stream']): ('upstream' | 'downstream')[] => (s === 'both' ? ['upstream', 'downstream'] : [s]);
    for (const link of this.links) {
      const p = this.sidesOf(link.from, net);
      const d = this.sidesOf(nodeOfKey(link.to), net);
      if (p.size !== 1 || d.size !== 1) continue; // off both sides, or on both (a bridge): untouched
      const [ps] = p;
      const [ds] = d;
      if (ps === ds) continue;
      if (net.direction === 'both') for (const stream of streams(net.stream)) out.push({ link, stream });
      else out.push({ link, stream: ps === 0 ? 'upstream' : 'downstream' }); // only what side A sends is lost
    }
    return out;
  }

  /** Puts fault `id`'s toxics in force; returns how many toxics were added. */
  async apply(id: string, net: NetPlan): Promise<number> {
    const todo = this.affected(net);
    const done: Toxic<unknown>[] = [];
    this.applied.set(id, done);
    await pool(todo, 16, async ({ link, stream }) => {
      done.push(await link.proxy.addToxic<unknown>({ name: `${id}-${stream}`, type: net.toxic as ToxicType, stream, toxicity: 1, attributes: net.attributes }));
    });
    return done.length;
  }

  /** Removes fault `id`'s toxics (idempotent; a toxic already gone is fine). */
  async heal(id: string): Promise<void> {
    const done = this.applied.get(id);
    if (!done) return;
    const errors: Error[] = [];
    await pool(done, 16, async (toxic) => {
      try {
        await toxic.remove();
      } catch (err) {
        if (!/not found|404/i.test((err as Error).message)) errors.push(err as Error);
      }
    });
    this.applied.delete(id);
    if (errors.length > 0) throw new Error(`${errors.length} toxics of ${id} could not be removed: ${errors[0]?.message}`);
  }

  /** Removes every toxic, then the proxies (real server) or the embedded server itself. */
  async close(): Promise<void> {
    const ids = [...this.applied.keys()];
    if (this.runProxy) {
      // the container (and every proxy and toxic in it) is removed with the cluster
      this.applied.clear();
      this.runProxy = undefined;
    } else if (this.server) {
      this.applied.clear();
      await this.server.close();
      this.server = undefined;
    } else if (this.client) {
      await Promise.allSettled(ids.map((id) => this.heal(id)));
      await pool(this.links, 16, (l) => l.proxy.remove().catch(() => undefined));
    }
    this.links = [];
  }
}

const PRIVATE_V4: readonly [number, number][] = [
  [0x0a000000, 8],
  [0xac100000, 12],
  [0xc0a80000, 16],
];
const v4 = (ip: string): number | undefined => {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const o = m.slice(1).map(Number);
  return o.every((x) => x <= 255) ? o.reduce((n, x) => n * 256 + x, 0) : undefined;
};
const within = (ip: number, base: number, len: number): boolean => Math.floor(ip / 2 ** (32 - len)) === Math.floor(base / 2 ** (32 - len));

/**
 * Throws unless `url` is an http:// Toxiproxy API on an IPv4 address inside `subnet`,
 * itself a private range (10/8, 172.16/12, 192.168/16): the run's own fault-proxy
 * container on the run's own network. Any other host is refused.
 */
export function checkRunProxyUrl(url: string, subnet: string): URL {
  const u = new URL(url);
  if (u.protocol !== 'http:') throw new Error(`fault proxy ${url}: only http:// is spoken by Toxiproxy`);
  const [base = '', lenText = ''] = subnet.split('/');
  const b = v4(base);
  const len = Number(lenText);
  if (b === undefined || !Number.isInteger(len) || len < 8 || len > 30)
    throw new Error(`fault proxy ${url}: run subnet "${subnet}" is not an IPv4 a.b.c.d/len`);
  if (!PRIVATE_V4.some(([pb, pl]) => len >= pl && within(b, pb, pl))) throw new Error(`fault proxy ${url}: run subnet ${subnet} is not a private range`);
  const h = v4(u.hostname);
  if (h === undefined || !within(h, b, len)) throw new Error(`fault proxy ${url}: only the run's own container address (in ${subnet}) is allowed`);
  return u;
}
