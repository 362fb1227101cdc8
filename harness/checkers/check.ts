// What every checker returns. A checker is a pure function of the evidence
// (history, final reads, replica digests); a checker that throws yields
// `unknown`, never a crashed run.

export type Verdict = 'pass' | 'fail' | 'unknown';

export interface CheckResult {
  /** Stable identifier, e.g. "lost-writes", "replicas-agree", "availability", "linearizable". */
  readonly name: string;
  readonly verdict: Verdict;
  /** One line a person can read. */
  readonly summary: string;
  /** Machine-readable detail: witnesses, figures. Serialised into result.json as-is. */
  readonly details?: Record<string, unknown>;
}

/** Worst verdict wins: any fail → fail; else any unknown → unknown; else pass. */
export function combineVerdicts(vs: readonly Verdict[]): Verdict {
  if (vs.includes('fail')) return 'fail';
  if (vs.includes('unknown')) return 'unknown';
  return 'pass';
}

/** Runs a checker, turning an exception into an `unknown` verdict. */
export function runCheck(name: string, fn: () => CheckResult): CheckResult {
  try {
    return fn();
  } catch (err) {
    return { name, verdict: 'unknown', summary: `checker crashed: ${(err as Error).message}`, details: { error: String((err as Error).stack ?? err) } };
  }
}
