// `leader-of:` selectors, resolved at injection time: the target is asked who leads
// each replication group now (Target.leaders), and the fault hits that node. Which
// group `leader-of:random` takes comes from the seed (the plan's draw), among the
// groups whose leader is up and not already faulted. A group without a leader at
// that moment (an election under way) is waited for, up to a few seconds.

import type { NodeInfo, Target } from '../../targets/target.ts';
import type { StartedCluster } from '../providers/provider.ts';
import type { PlannedFault } from '../schedule/plan.ts';

/** Finds the node a `leader-of:` fault hits; the others' nodes as planned. */
export type NodeResolver = (f: PlannedFault, busy: ReadonlySet<string>) => Promise<{ readonly nodes: readonly string[]; readonly group?: string }>;

export function leaderResolver(
  target: Pick<Target, 'name' | 'leaders'>,
  cluster: Pick<StartedCluster, 'url' | 'isUp'>,
  nodes: readonly NodeInfo[],
  waitMs = 3000,
): NodeResolver {
  return async (f, busy) => {
    const want = f.leaderOf;
    if (!want) return { nodes: f.nodes };
    const leaders = target.leaders?.bind(target);
    if (!leaders) throw new Error(`target ${target.name} does not say who leads (no leaders())`);
    const deadline = performance.now() + waitMs;
    let seen: Readonly<Record<string, string>> = {};
    for (;;) {
      seen = await leaders((id) => cluster.url(id), nodes);
      const free = Object.entries(seen).filter(([g, n]) => (want.group === undefined || g === want.group) && !busy.has(n) && cluster.isUp(n));
      if (free.length > 0) {
        const [group, node] = free[Math.min(free.length - 1, Math.floor(want.pick * free.length))] as [string, string];
        return { nodes: [node], group };
      }
      if (performance.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const who =
      Object.entries(seen)
        .map(([g, n]) => `${g}: ${n}`)
        .join(', ') || 'none';
    throw new Error(`no leader of ${want.group ?? 'any group'} that is up and not already faulted within ${waitMs} ms (leaders seen: ${who})`);
  };
}
