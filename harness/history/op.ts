// Operations are data (after Jepsen): every canary operation is recorded twice,
// once when it is invoked and once when it completes.
//
//   invoke  the client is about to send it
//   ok      it definitely happened (and `value` holds what a read returned)
//   fail    it definitely did NOT happen (e.g. a failed compare-and-set, a refused connection)
//   info    unknown: a timeout, a dropped connection, an ambiguous 5xx. It may have taken
//           effect at any point after its invoke, or never. Checkers must treat it so.
//
// One line of history.ndjson is one Op.

export type OpType = 'invoke' | 'ok' | 'fail' | 'info';

/**
 * Functions of the key-value workload:
 * - `read`   value on invoke is null; on ok it is the value read (null = absent)
 * - `write`  value is the value written (a put)
 * - `cas`    value is [expected, new]; ok = swapped; fail = the current value differed
 * - `delete` value is null
 * - `append` value is the element appended (set / append workloads)
 */
export type OpF = 'read' | 'write' | 'cas' | 'delete' | 'append';

export type Value = string | number | null;

export interface Op {
  /** Position in the history file, 0-based. */
  readonly index: number;
  readonly type: OpType;
  readonly f: OpF;
  /** Key the operation touches; absent for single-register histories. */
  readonly key?: string;
  readonly value: Value | readonly [Value, Value] | readonly Value[];
  /** Logical client. After an `info`, a canary continues under a new process id. */
  readonly process: number;
  /** Milliseconds since the start of the run (monotonic clock, fractional). */
  readonly time: number;
  /** Reads only: 'strong' (linearizable, served by the leader) or 'eventual'. */
  readonly consistency?: 'strong' | 'eventual';
  /** Where the canary runs and which public endpoint it used. */
  readonly az?: string;
  readonly endpoint?: string;
  /** Completions only: wall time from invoke to completion, ms. */
  readonly latencyMs?: number;
  /** fail / info: what went wrong, as the client saw it (e.g. "timeout", "ECONNREFUSED", "503 quorum unavailable"). */
  readonly error?: string;
  /** A final strongly consistent read issued by the harness after recovery (the evidence of check "lost-writes"). */
  readonly final?: true;
}

/** The error of a compare-and-set that ran and found another value: a served, definite answer. */
export const PRECONDITION_FAILED = 'precondition failed';

/** A precondition failure is a correct, served answer; it does not count against availability. */
export const isServed = (op: Op): boolean => op.type === 'ok' || (op.type === 'fail' && op.error === PRECONDITION_FAILED);

export const isCompletion = (op: Op): boolean => op.type !== 'invoke';
