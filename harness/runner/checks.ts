// The checks a game day runs at the end, all from the run folder's evidence:
// history.ndjson (read back from disk), the replicas' scrub digests (scrub.json) and
// what the nodes left in the run folder (the reference cluster's WALs).

import type { Logger } from 'pino';
import type { ReplicaDigest } from '../../targets/target.ts';
import { checkAlarms } from '../alarms/check.ts';
import type { AlarmReview } from '../alarms/review.ts';
import { checkAvailability, type PhaseWindow } from '../checkers/availability.ts';
import { runCheck, type CheckResult } from '../checkers/check.ts';
import { checkLinearizable } from '../checkers/linearizable.ts';
import { checkLostWrites, type ReplicaReads } from '../checkers/lost-writes.ts';
import { checkReplicasAgree } from '../checkers/replicas-agree.ts';
import { checkWalReference } from '../checkers/wal-reference.ts';
import { readGameday } from '../history/read-gameday.ts';
import type { Op } from '../history/op.ts';
import type { CheckName } from '../experiment/schema.ts';
import type { Prepared } from './prepare.ts';
import { ARCHIVING_PROVIDERS } from './scrub-file.ts';

/** The phases the steady-state hypothesis is judged on: baseline and the second half of recovery. */
export function steadyWindows(phases: readonly PhaseWindow[]): PhaseWindow[] {
  const out: PhaseWindow[] = [];
  for (const ph of phases) {
    if (['baseline', 'chaos', 'recovery'].includes(ph.name)) out.push(ph);
    if (ph.name === 'recovery') out.push({ name: 'recovery-end', startMs: (ph.startMs + ph.endMs) / 2, endMs: ph.endMs });
  }
  return out;
}

export function loadHistory(path: string): { history: Op[]; problem?: CheckResult } {
  try {
    return { history: readGameday(path) };
  } catch (err) {
    return { history: [], problem: { name: 'history', verdict: 'unknown', summary: `history unreadable: ${(err as Error).message}` } };
  }
}

export function runChecks(
  p: Prepared,
  history: readonly Op[],
  digests: readonly ReplicaDigest[],
  replicaReads: ReplicaReads,
  phases: readonly PhaseWindow[],
  review: AlarmReview,
  log: Logger,
): CheckResult[] {
  const pairs = p.topology.azs.flatMap((az) => p.topology.nodes.filter((n) => n.public).map((n) => ({ az, endpoint: n.id })));
  const checks: CheckResult[] = [];
  const on = p.experiment.checks;
  const timed = (name: CheckName, fn: () => CheckResult): void => {
    if (!on[name]) {
      log.info({ check: name }, `check ${name}: off (checks.${name}: false in the experiment)`);
      return;
    }
    const t = performance.now();
    const r = runCheck(name, fn);
    const ms = Math.round(performance.now() - t);
    log.info({ check: name, verdict: r.verdict, ms }, `check ${name}: ${r.verdict.toUpperCase()}  ${r.summary}`);
    checks.push({ ...r, details: { ...(r.details ?? {}), checkMs: ms } }); // the check's own time (the JUnit file's per-case time)
  };
  timed('lost-writes', () => checkLostWrites(history, replicaReads));
  // what the target promises decides the checks; a capability it lacks leaves its check out (said in the log)
  if ((p.target.promises ?? 'linearizable-kv') === 'linearizable-kv')
    timed('linearizable', () => checkLinearizable(history, { model: 'kv', timeoutMs: 30_000 }));
  else log.info({ check: 'linearizable' }, `check linearizable: not run (target ${p.target.name} promises ${p.target.promises})`);
  if (p.target.digests) timed('replicas-agree', () => checkReplicasAgree(digests, p.target.replicationFactor ?? 3));
  // the replicas against a reference replica rebuilt from the archived WALs (read now: the nodes are stopped)
  if (p.target.digests && p.target.checkArchive) {
    if (ARCHIVING_PROVIDERS.includes(p.experiment.provider)) timed('wal-reference', () => checkWalReference(p.target, p.runDir, digests, history));
    else
      log.info(
        { check: 'wal-reference' },
        `check wal-reference: not run (provider ${p.experiment.provider}: gameday did not start the nodes, their data is not in the run folder)`,
      );
  }
  timed('availability', () => checkAvailability(history, steadyWindows(phases), ['baseline', 'recovery-end'], p.experiment.steadyStateAvailability, pairs));
  timed('alarms', () => checkAlarms(review));
  return checks;
}
