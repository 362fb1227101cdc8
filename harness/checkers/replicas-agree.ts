// Check "replicas-agree": after recovery, every replica of every replication group
// has applied the same log prefix and holds the same data (equal checksums).

import type { ReplicaDigest } from '../../targets/target.ts';
import type { CheckResult } from './check.ts';

export function checkReplicasAgree(digests: readonly ReplicaDigest[], expectedReplicas = 3): CheckResult {
  const byGroup = new Map<string, ReplicaDigest[]>();
  for (const d of digests) byGroup.set(d.group, [...(byGroup.get(d.group) ?? []), d]);
  const disagreements: { group: string; replicas: ReplicaDigest[]; problem: string }[] = [];
  for (const [group, reps] of [...byGroup].sort(([a], [b]) => a.localeCompare(b))) {
    if (reps.length < expectedReplicas) {
      disagreements.push({ group, replicas: reps, problem: `only ${reps.length} of ${expectedReplicas} replicas answered the scrub` });
      continue;
    }
    const sums = new Set(reps.map((r) => r.checksum));
    const seqs = new Set(reps.map((r) => r.appliedSeq));
    if (sums.size > 1 || seqs.size > 1) {
      disagreements.push({
        group,
        replicas: reps,
        problem: reps.map((r) => `${r.nodeId}: seq ${r.appliedSeq} checksum ${r.checksum} (${r.keys} keys)`).join('; '),
      });
    }
  }
  if (byGroup.size === 0) return { name: 'replicas-agree', verdict: 'unknown', summary: 'no replica answered the scrub', details: { groups: 0 } };
  if (disagreements.length > 0) {
    const d = disagreements[0] as (typeof disagreements)[number];
    return {
      name: 'replicas-agree',
      verdict: 'fail',
      summary: `${disagreements.length} of ${byGroup.size} groups have replicas that disagree; first: ${d.group}: ${d.problem}`,
      details: { groups: byGroup.size, disagreements },
    };
  }
  return {
    name: 'replicas-agree',
    verdict: 'pass',
    summary: `all ${byGroup.size} groups: ${expectedReplicas} replicas with equal checksums`,
    details: { groups: byGroup.size, digests },
  };
}
