// What a linearizability check may spend: wall-clock time and memory, and optionally
// a count of explored states (for callers that set one; the default has none, so a
// long history is never refused for its length alone). Running out gives `unknown`.

export interface BudgetLimits {
  /** Wall-clock time for the whole check. */
  readonly timeoutMs: number;
  /** Bytes the search's memo (and the model states it interns) may take. */
  readonly maxBytes: number;
  /** Largest number of states one search may remember (default: no limit). */
  readonly maxStates?: number;
}

export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_MEMORY_MB = 512;

export class Budget {
  readonly deadline: number;
  readonly maxBytes: number;
  readonly maxStates: number;
  /** Bytes held by the memos of other searches waiting for their turn (linearizable.ts): they count against maxBytes too. */
  held = 0;
  explored = 0;
  maxCache = 0;
  constructor(timeoutMs: number, maxStates = Infinity, maxBytes = DEFAULT_MAX_MEMORY_MB * 1e6) {
    this.deadline = performance.now() + timeoutMs;
    this.maxStates = maxStates;
    this.maxBytes = maxBytes;
  }
  static of(l: BudgetLimits): Budget {
    return new Budget(l.timeoutMs, l.maxStates, l.maxBytes);
  }
  timeUp(): boolean {
    return performance.now() > this.deadline;
  }
  /** Why a memo of `states` entries taking `bytes` is over budget, or undefined if it is not. */
  over(states: number, bytes: number): string | undefined {
    if (states > this.maxStates) return `state budget exhausted (${this.maxStates} states)`;
    if (bytes + this.held > this.maxBytes) return `memory budget exhausted (${+(this.maxBytes / 1e6).toPrecision(3)} MB, ${states} states)`;
    return undefined;
  }
  /** Records a finished search's memo size. */
  record(states: number): void {
    this.explored += states;
    this.maxCache = Math.max(this.maxCache, states);
  }
}
