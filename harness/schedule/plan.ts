// The fault plan: a pure function of (experiment, topology, seed). The same seed
// gives the same plan: the same nodes at the same offsets. It is printed at the start
// of a run and stored in the run folder (plan.json).

import type { Topology } from '../../targets/target.ts';
import { UsageError } from '../cli/errors.ts';
import { formatMs } from '../experiment/duration.ts';
import { ALL_NODES, LIMITS, type Experiment, type FaultKind } from '../experiment/schema.ts';
import { describeNet, planNet, type NetPlan } from './net-plan.ts';
import { Rng } from './rng.ts';

export interface PlannedFault {
  readonly id: string;
  readonly kind: FaultKind;
  readonly selector: string;
  readonly nodes: readonly string[];
  /** Offsets from the start of the chaos phase. */
  readonly atMs: number;
  readonly healAtMs: number;
  /** Network faults (partition, latency, ...): the two sides and the toxic; `nodes` is then side A. */
  readonly net?: NetPlan;
  /**
   * `leader-of:` selectors: leaders are known only at run time, so `nodes` is empty in
   * the plan and the node is found at injection (and journaled): the named group's
   * leader, or for `random` the leader of the group at `pick` (a draw in [0, 1) from
   * the seed) among the groups whose leader is not already faulted.
   */
  readonly leaderOf?: { readonly group?: string; readonly pick: number };
  /** `upgrade` / `downgrade`: the build the nodes are rolled onto (in `nodes` order), and the pause after each. */
  readonly build?: { readonly to: string; readonly stepMs: number };
}

/** What the target can tell the plan: whether it says who leads (Target.leaders) and its groups. */
export interface PlanCapabilities {
  readonly targetName: string;
  readonly leaders: boolean;
  readonly groups?: readonly string[];
}

export interface Plan {
  readonly seed: number;
  readonly chaosMs: number;
  readonly faults: readonly PlannedFault[];
}

/** Resolves a node selector against the topology; throws UsageError for names that do not exist. */
export function resolveSelector(sel: string, topo: Topology, rng: Rng, busy: ReadonlySet<string>, where: string): string[] | undefined {
  const free = (ids: string[]): string[] => ids.filter((id) => !busy.has(id));
  const ids = (pred: (n: Topology['nodes'][number]) => boolean): string[] => topo.nodes.filter(pred).map((n) => n.id);
  if (sel.startsWith('leader-of:'))
    throw new UsageError(
      `${sel} is found at injection time, for power-off and pause; a network fault's sides are planned ahead`,
      'use node:<id>, random-<role> or an AZ here, or power off the leader instead ({kind: power-off, target: leader-of:random})',
      where,
    );
  if (sel === ALL_NODES) {
    const all = ids(() => true);
    return all.some((id) => busy.has(id)) ? undefined : all;
  }
  if (sel.startsWith('node:')) {
    const id = sel.slice(5);
    if (!topo.nodes.some((n) => n.id === id))
      throw new UsageError(`no node "${id}" in the target`, `use one of: ${topo.nodes.map((n) => n.id).join(', ')}`, where);
    return busy.has(id) ? undefined : [id];
  }
  if (sel.startsWith('az:')) {
    const az = sel.slice(3);
    if (!topo.azs.includes(az)) throw new UsageError(`no AZ "${az}" in the target`, `use one of: ${topo.azs.join(', ')}`, where);
    const all = ids((n) => n.az === az);
    return all.some((id) => busy.has(id)) ? undefined : all;
  }
  if (sel === 'random-az') {
    const ok = topo.azs.filter((az) => ids((n) => n.az === az).every((id) => !busy.has(id)));
    if (ok.length === 0) return undefined;
    const az = rng.pick(ok);
    return ids((n) => n.az === az);
  }
  const roles = [...new Set(topo.nodes.map((n) => n.role))];
  const role = sel.startsWith('role:') ? sel.slice(5) : sel === 'random-node' ? undefined : sel.slice('random-'.length);
  if (role !== undefined && !roles.includes(role))
    throw new UsageError(
      `no node of the target has role "${role}"`,
      `its roles: ${roles.join(', ')} (select with random-<role> or role:<role>; random-node picks any node)`,
      where,
    );
  if (sel.startsWith('role:')) {
    const all = ids((n) => n.role === role);
    return all.some((id) => busy.has(id)) ? undefined : all;
  }
  const pool = free(ids(role === undefined ? () => true : (n) => n.role === role));
  return pool.length === 0 ? undefined : [rng.pick(pool)];
}

/**
 * The plan, or a UsageError naming the fault entry whose injections cannot all happen
 * as written: every injection of a plan is healed within chaos, none is dropped.
 * An entry with `count` must fit that many injections even at the longest interval
 * the seed can draw (+10%), so a file valid for one seed is valid for every seed;
 * without `count` it gets as many as fit.
 */
export function makePlan(exp: Experiment, topo: Topology, seed: number, caps?: PlanCapabilities): Plan {
  const rng = new Rng(seed).fork('fault-plan');
  const chaosMs = exp.phases.chaosMs;
  const chaos = `chaos lasts ${formatMs(chaosMs)}`;
  // 1. when: every spec's injection times, with up to ±10% jitter on the interval, and each hold
  const slots: { at: number; spec: number; hold: number }[] = [];
  exp.faults.forEach((f, spec) => {
    const where = `faults[${spec}]`;
    if (f.startMs >= chaosMs)
      throw new UsageError(
        `starts at +${formatMs(f.startMs)}, when chaos is over (${chaos})`,
        `start it before +${formatMs(chaosMs)}, or lengthen phases.chaos`,
        `${where}.start`,
      );
    if (f.startMs + f.holdMs[1] > chaosMs) {
      throw new UsageError(
        `holds up to ${formatMs(f.holdMs[1])} from +${formatMs(f.startMs)}, past the end of chaos (${chaos}); every fault is healed within chaos`,
        `shorten hold, start it earlier, or lengthen phases.chaos to at least ${formatMs(f.startMs + f.holdMs[1])}`,
        `${where}.hold`,
      );
    }
    if (f.count !== undefined) {
      const lastEnd = f.startMs + (f.count - 1) * f.everyMs * 1.1 + f.holdMs[1];
      if (lastEnd > chaosMs) {
        throw new UsageError(
          `${f.count} injections every ${formatMs(f.everyMs)} (±10% with the seed) from +${formatMs(f.startMs)}, each held up to ${formatMs(f.holdMs[1])}, can run to +${formatMs(lastEnd)}, past the end of chaos (${chaos})`,
          `lower count, shorten every or hold, or lengthen phases.chaos to at least ${formatMs(Math.ceil(lastEnd))}`,
          `${where}.count`,
        );
      }
    }
    let t = f.startMs;
    for (let n = 0; f.count === undefined || n < f.count; n++) {
      const hold = Math.round(rng.between(f.holdMs[0], f.holdMs[1]));
      if (Math.round(t) + hold > chaosMs) break; // only without count: as many as fit
      slots.push({ at: Math.round(t), spec, hold });
      if (slots.length > LIMITS.injections) {
        throw new UsageError(
          `the plan has more than ${LIMITS.injections} injections (this entry injects every ${formatMs(f.everyMs)})`,
          `give it a count, a longer every, or a shorter chaos phase`,
          `${where}.every`,
        );
      }
      t += f.everyMs * rng.between(0.9, 1.1);
    }
  });
  slots.sort((a, b) => a.at - b.at || a.spec - b.spec);
  // 2. what: nodes chosen in time order, never a node that is already faulted then
  const faults: PlannedFault[] = [];
  for (const s of slots) {
    const f = exp.faults[s.spec];
    if (!f) continue;
    const where = `faults[${s.spec}]`;
    const id = `f${faults.length + 1}`;
    if (f.partition || f.link) {
      // network faults compose (each has its own toxics), so they never make a node busy
      const net = planNet(f, topo, rng, where, (sel) => resolveSelector(sel, topo, rng, new Set(), `${where}.target`));
      if (!net) throw new UsageError(`a ${f.kind} at +${formatMs(s.at)} has no nodes to cut off`, 'check its shape and target', where);
      faults.push({
        id,
        kind: f.kind,
        selector: f.partition ? `${f.partition.shape}` : f.target,
        nodes: net.sides[0],
        atMs: s.at,
        healAtMs: s.at + s.hold,
        net,
      });
      continue;
    }
    if (f.target.startsWith('leader-of:')) {
      faults.push({
        id,
        kind: f.kind,
        selector: f.target,
        nodes: [],
        atMs: s.at,
        healAtMs: s.at + s.hold,
        leaderOf: leaderOf(f.target, rng, caps, `${where}.target`),
      });
      continue;
    }
    const holders = faults.filter((p) => !p.net && p.atMs <= s.at && s.at < p.healAtMs);
    const busy = new Set(holders.flatMap((p) => p.nodes));
    const nodes = resolveSelector(f.target, topo, rng, busy, `${where}.target`);
    if (!nodes) {
      throw new UsageError(
        `at +${formatMs(s.at)} (injection ${id}, seed ${seed}) every node that ${f.target} can pick is already faulted by ${holders.map((h) => `${h.id} (${h.nodes.join(', ')})`).join(', ')}; the injection would be dropped`,
        'space the injections out (every longer than hold), pick a wider target, or give fewer overlapping faults (`gameday run --plan-only` shows the plan)',
        `${where}.target`,
      );
    }
    faults.push({ id, kind: f.kind, selector: f.target, nodes, atMs: s.at, healAtMs: s.at + s.hold, ...(f.build ? { build: f.build } : {}) });
  }
  return { seed, chaosMs, faults };
}

function leaderOf(sel: string, rng: Rng, caps: PlanCapabilities | undefined, where: string): { group?: string; pick: number } {
  const name = caps?.targetName ?? 'this target';
  if (!caps?.leaders)
    throw new UsageError(
      `${sel} needs a target that says who leads each group, and ${name} does not (Target.leaders)`,
      'select nodes with random-<role>, node:<id> or az:<name> instead, or give the target a leaders() method',
      where,
    );
  const group = sel.slice('leader-of:'.length);
  const pick = rng.next();
  if (group === 'random') return { pick };
  const groups = caps.groups ?? [];
  if (!groups.includes(group))
    throw new UsageError(
      `no replication group "${group}" in ${name}`,
      `use leader-of:random${groups.length ? ` or one of: ${groups.map((g) => `leader-of:${g}`).join(', ')}` : ''}`,
      where,
    );
  return { group, pick };
}

export function formatPlan(plan: Plan): string {
  if (plan.faults.length === 0) return '  (no faults planned)';
  return plan.faults
    .map(
      (f) =>
        `  ${f.id.padEnd(4)} +${formatMs(f.atMs).padStart(6)} ${f.kind.padEnd(10)} ${f.net ? describeNet(f.kind, f.net) : f.leaderOf ? `the leader of ${f.leaderOf.group ?? 'a random group'} (found at injection)` : f.build ? `${f.nodes.join(', ')} one at a time onto ${f.build.to}` : f.nodes.join(', ')}  (heal at +${formatMs(f.healAtMs)})`,
    )
    .join('\n');
}
