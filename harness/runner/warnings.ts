// What a run could not show, said at its start and in its summary: an unsafe mode the
// experiment cannot exercise (a PASS would then mean nothing about it), and canaries
// that could not keep the rate they were asked for (their availability and alarm
// figures then rest on less traffic than the experiment promised).

import { LATE_MS, type CanaryStats } from '../../canaries/canary.ts';
import type { Target, Topology } from '../../targets/target.ts';
import type { Bug } from '../experiment/schema.ts';
import type { Plan } from '../schedule/plan.ts';

/** Unsafe modes of the reference cluster that this plan gives no chance to show. */
export function unsafeModeWarnings(bugs: readonly Bug[], plan: Plan, topo: Topology): string[] {
  const storage = new Set(topo.nodes.filter((n) => n.role === 'storage').map((n) => n.id));
  // a leader-of selector is resolved at injection time: it always hits a storage node
  const hitsStorage = (kinds: readonly string[]): boolean =>
    plan.faults.some((f) => kinds.includes(f.kind) && (f.selector.startsWith('leader-of:') || f.nodes.some((n) => storage.has(n))));
  const net = plan.faults.some((f) => f.net);
  const out: string[] = [];
  for (const b of bugs) {
    if (b === 'skip-fsync' && !closePowerOffs(plan, storage)) {
      out.push(
        `UNSAFE mode skip-fsync cannot show in this experiment: what was not fsynced is lost only when two replicas of a group lose power within ${FLUSH_MS / 1000} s of each other (one replica's loss is repaired from the others), and the plan never powers off two storage nodes that close together; add {kind: power-off, target: role:storage}, or storage power-offs less than ${FLUSH_MS / 1000} s apart`,
      );
    }
    if (b === 'stale-reads' && !hitsStorage(['power-off', 'pause']) && !plan.faults.some((f) => f.net)) {
      out.push(
        'UNSAFE mode stale-reads can hardly show in this experiment: replicas lag only when a storage node is powered off or paused or a link is cut or slowed, and the plan does none of these',
      );
    }
    if (b === 'ack-before-quorum' && !hitsStorage(['power-off', 'pause']) && !net) {
      out.push(
        'UNSAFE mode ack-before-quorum cannot show in this experiment: a write acknowledged before its quorum is lost only when its leader is cut off or powered off and another is elected, and the plan does neither; add a partition or {kind: power-off, target: leader-of:random}',
      );
    }
    if (b === 'no-lease' && !net && !hitsStorage(['pause'])) {
      out.push(
        'UNSAFE mode no-lease cannot show in this experiment: an old leader serves a stale strong read only while it is cut off (or paused) and another is elected, and the plan neither partitions nor pauses; add {kind: partition, shape: isolate-az}',
      );
    }
    if (b === 'forget-term' && !hitsStorage(['power-off'])) {
      out.push(
        'UNSAFE mode forget-term cannot show in this experiment: a term is forgotten only by a storage node that is powered off, and the plan powers none off; add {kind: power-off, target: leader-of:random}',
      );
    }
    if (b === 'vote-twice' && !hitsStorage(['power-off', 'pause']) && !net) {
      out.push(
        'UNSAFE mode vote-twice cannot show in this experiment: a second vote matters only in an election, and the plan takes no leader away; add {kind: power-off, target: leader-of:random}',
      );
    }
  }
  return out;
}

/** How long the skip-fsync mode keeps WAL records in memory (the reference target's flushIntervalMs). */
const FLUSH_MS = 5000;

/** Two storage nodes powered off at once, or within FLUSH_MS of each other (a leader-of fault counts as a storage node). */
function closePowerOffs(plan: Plan, storage: ReadonlySet<string>): boolean {
  const hits = plan.faults
    .filter((f) => f.kind === 'power-off')
    .map((f) => ({ at: f.atMs, nodes: f.leaderOf ? [`leader-of ${f.id}`] : f.nodes.filter((n) => storage.has(n)) }))
    .filter((h) => h.nodes.length > 0);
  if (hits.some((h) => h.nodes.length >= 2)) return true;
  return hits.some((a, i) => hits.some((b, j) => j > i && Math.abs(a.at - b.at) < FLUSH_MS && a.nodes[0] !== b.nodes[0]));
}

/** Checks a target's missing capabilities or weaker promise leave out. */
export function capabilityWarnings(t: Pick<Target, 'name' | 'digests' | 'promises'>): string[] {
  const out: string[] = [];
  if (!t.digests) out.push(`target ${t.name} offers no replica digests: check replicas-agree does not run`);
  if (t.promises === 'no-lost-writes') out.push(`target ${t.name} promises no lost writes only: check linearizable does not run`);
  return out;
}

/** Canaries that dropped calls (their in-flight bound was reached) or started many late (the harness was too busy). */
export function canaryRateWarnings(stats: readonly CanaryStats[]): string[] {
  const out: string[] = [];
  const dropped = stats.filter((s) => s.dropped > 0);
  if (dropped.length > 0) {
    const worst = [...dropped].sort((a, b) => b.dropped - a.dropped)[0] as CanaryStats;
    out.push(
      `${dropped.length} of ${stats.length} canaries could not keep the requested rate: ${worst.canary} started ${worst.achievedOpsPerSec} of ${worst.requestedOpsPerSec} ops/s and dropped ${worst.dropped} calls with ${worst.inFlightBound} in flight (raise canaries.max-in-flight or lower canaries.rate)`,
    );
  }
  const late = stats.filter((s) => s.started > 0 && s.lateStarts / s.started > 0.05);
  if (late.length > 0) {
    const worst = [...late].sort((a, b) => b.lateStarts / b.started - a.lateStarts / a.started)[0] as CanaryStats;
    out.push(
      `${late.length} of ${stats.length} canaries started calls late: ${worst.canary} started ${Math.round((worst.lateStarts / worst.started) * 100)}% of its calls more than ${LATE_MS} ms after their turn (the harness's machine is too busy for this rate; latency figures include that delay)`,
    );
  }
  return out;
}
