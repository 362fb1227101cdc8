// Planning network faults: which nodes end up on each side of a partition (the
// shapes of Jepsen's partition nemeses) or of a degraded set of links. Pure: the
// same topology, spec and random stream give the same sides.

import type { Topology } from '../../targets/target.ts';
import { UsageError } from '../cli/errors.ts';
import type { FaultSpec } from '../experiment/schema.ts';
import type { Rng } from './rng.ts';

/** What a planned network fault does to the links between its two sides. */
export interface NetPlan {
  /** Node ids on each side. Sides are disjoint, except in a bridge, where they share one node. */
  readonly sides: readonly [readonly string[], readonly string[]];
  /** AZs on each side when the shape is made of whole AZs (canaries follow their AZ). */
  readonly azSides?: readonly [readonly string[], readonly string[]];
  /** Toxiproxy toxic put on the links that cross the cut: `timeout` 0 is a blackhole. */
  readonly toxic: string;
  readonly attributes: Readonly<Record<string, number>>;
  /** `both`: links in both directions; `a-to-b`: only what side A sends to side B is lost (one-way). */
  readonly direction: 'both' | 'a-to-b';
  /** Which streams of a crossing link get the toxic (partitions: both). */
  readonly stream: 'both' | 'upstream' | 'downstream';
}

export function shuffle<T>(xs: readonly T[], rng: Rng): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a;
}

const nodesOf = (topo: Topology, azs: readonly string[]): string[] => topo.nodes.filter((n) => azs.includes(n.az)).map((n) => n.id);
const others = (topo: Topology, ids: readonly string[]): string[] => topo.nodes.map((n) => n.id).filter((id) => !ids.includes(id));

function checkAz(topo: Topology, az: string, where: string): void {
  if (!topo.azs.includes(az)) throw new UsageError(`no AZ "${az}" in the target`, `use one of: ${topo.azs.join(', ')}`, where);
}

/**
 * The sides of a partition or a link fault. `pickNode` resolves a node selector (as
 * power-off does) for isolate-node / isolate-az.
 */
export function planNet(f: FaultSpec, topo: Topology, rng: Rng, where: string, pickNodes: (sel: string) => string[] | undefined): NetPlan | undefined {
  if (f.link) {
    const l = f.link;
    let azSides: [string[], string[]];
    if (l.between) {
      for (const az of [...l.between[0], ...l.between[1]]) checkAz(topo, az, `${where}.between`);
      azSides = [[...l.between[0]], [...l.between[1]]];
    } else {
      const from = l.from ?? '';
      checkAz(topo, from, `${where}.from`);
      azSides = [[from], topo.azs.filter((a) => a !== from)];
    }
    return {
      sides: [nodesOf(topo, azSides[0]), nodesOf(topo, azSides[1])],
      azSides,
      toxic: l.toxic,
      attributes: l.attributes,
      direction: 'both',
      stream: l.stream,
    };
  }
  const p = f.partition;
  if (!p) return undefined;
  const cut = {
    toxic: p.reject ? 'reset_peer' : 'timeout',
    attributes: { timeout: 0 },
    direction: p.oneWay ? ('a-to-b' as const) : ('both' as const),
    stream: 'both' as const,
  };
  const all = topo.nodes.map((n) => n.id);
  switch (p.shape) {
    case 'isolate-node':
    case 'isolate-az': {
      const a = pickNodes(f.target);
      if (!a) return undefined;
      const az = topo.nodes.find((n) => n.id === a[0])?.az;
      const azSides: [string[], string[]] | undefined = p.shape === 'isolate-az' && az ? [[az], topo.azs.filter((x) => x !== az)] : undefined;
      return { sides: [a, others(topo, a)], ...(azSides ? { azSides } : {}), ...cut };
    }
    case 'majority-minority': {
      if (topo.azs.length >= 3) {
        const azs = shuffle(topo.azs, rng);
        const minority = azs.slice(0, Math.floor((azs.length - 1) / 2));
        const majority = azs.slice(minority.length);
        return { sides: [nodesOf(topo, minority), nodesOf(topo, majority)], azSides: [minority, majority], ...cut };
      }
      const ns = shuffle(all, rng);
      const m = Math.max(1, Math.floor((ns.length - 1) / 2));
      return { sides: [ns.slice(0, m), ns.slice(m)], ...cut };
    }
    case 'bridge': {
      if (all.length < 3) throw new UsageError('a bridge needs at least 3 nodes', 'use shape: isolate-node', `${where}.shape`);
      const [bridge, ...rest] = shuffle(all, rng) as [string, ...string[]];
      const h = Math.ceil(rest.length / 2);
      return {
        sides: [
          [...rest.slice(0, h), bridge],
          [...rest.slice(h), bridge],
        ],
        ...cut,
      };
    }
    case 'random-halves': {
      const ns = shuffle(all, rng);
      const h = Math.floor(ns.length / 2);
      return { sides: [ns.slice(0, h), ns.slice(h)], ...cut };
    }
  }
}

/** One line for the printed plan: "az1 | az2, az3" or "n1, n2 | n3 ..." with the variant. */
export function describeNet(kind: string, n: NetPlan): string {
  const [a, b] = n.azSides ?? n.sides;
  const arrow = n.direction === 'a-to-b' ? ' -/-> ' : ' | ';
  const what =
    kind === 'partition'
      ? n.toxic === 'reset_peer'
        ? ' (reject)'
        : ''
      : ` ${Object.entries(n.attributes)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}`;
  return `${a.join(', ')}${arrow}${b.join(', ')}${what}`;
}
