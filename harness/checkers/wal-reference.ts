// Check "wal-reference": every live replica matches a reference replica the target
// rebuilds offline from what its nodes archived in the run folder (the reference
// cluster: the WALs; targets/reference/reference-replica.ts). The target does the
// rebuilding (the archive's format is its own: Target.checkArchive); the harness gives
// it the run folder, the final scrub's digests and the final reads.

import type { ReplicaDigest, Target } from '../../targets/target.ts';
import type { Op } from '../history/op.ts';
import type { CheckResult } from './check.ts';

/** Each key's value by the harness's final reads (the last one of a key wins). */
export function finalValues(history: readonly Op[]): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (const op of history) {
    if (op.type !== 'ok' || op.f !== 'read' || !op.final || op.key === undefined) continue;
    const v = op.value;
    out.set(op.key, v === null ? null : String(v));
  }
  return out;
}

export function checkWalReference(
  target: Pick<Target, 'checkArchive'>,
  runDir: string,
  digests: readonly ReplicaDigest[],
  history: readonly Op[],
): CheckResult {
  if (!target.checkArchive) return { name: 'wal-reference', verdict: 'unknown', summary: 'the target rebuilds no reference replica from an archive' };
  const r = target.checkArchive(runDir, { digests, finalValues: finalValues(history) });
  return { name: 'wal-reference', verdict: r.verdict, summary: r.summary, ...(r.details ? { details: r.details } : {}) };
}
