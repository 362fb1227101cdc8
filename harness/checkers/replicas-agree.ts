// Check "replicas-agree": after recovery, every replica of every replication group
// has applied the same log prefix and holds the same data (equal checksums). Log
// replicas (kind 'log': a WAL only, standing in for a storage replica that was down)
// are compared like the others but do not count towards the replicas a group needs.

import type { ReplicaDigest } from '../../targets/target.ts';
import type { CheckResult } from './check.ts';

export function checkReplicasAgree(digests: readonly ReplicaDigest[], expectedReplicas = 3): CheckResult {
  const byGroup = new Map<string, ReplicaDigest[]>();
  for (const d of digests) byGroup.set(d.group, [...(byGroup.get(d.group) ?? []), d]);
  const disagreements: { group: string; replicas: ReplicaDigest[]; problem: string }[] = [];
  for (const [group, reps] of [...byGroup].sort(([a], [b]) => a.localeCompare(b))) {
    const storage = reps.filter((r) => r.kind !== 'log').length;
    if (storage < expectedReplicas) {
      const logs = reps.length - storage;
      disagreements.push({
        group,
        replicas: reps,
        problem: `only ${storage} of ${expectedReplicas} storage replicas answered the scrub${logs > 0 ? ` (and ${logs} log replica(s), which hold the log only)` : ''}`,
      });
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
  const logReplicas = digests.filter((d) => d.kind === 'log').map((d) => `${d.group}: ${d.nodeId}`);
  return {
    name: 'replicas-agree',
    verdict: 'pass',
    summary: `all ${byGroup.size} groups: ${expectedReplicas} replicas with equal checksums${logReplicas.length > 0 ? `, and ${logReplicas.length} log replica(s) still live that match them (${logReplicas.join(', ')})` : ''}`,
    details: { groups: byGroup.size, digests },
  };
}
