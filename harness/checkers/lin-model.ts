// The models a history is checked against, compiled to small integers so that the
// search compares numbers, never values. A key's states are interned: state id →
// value (lin-states.ts). Register and compare-and-set register states are values
// written; the kv model adds append, whose states grow (interned as they are reached).
import { PRECONDITION_FAILED } from '../history/op.ts';
import type { Value } from '../history/op.ts';
import type { Call } from './calls.ts';
import type { States } from './lin-states.ts';

export { States } from './lin-states.ts';

export type ModelName = 'register' | 'cas-register' | 'kv';

/** What a compiled call does to the state (a, b are interned values). */
export const Kind = {
  /** ok read that returned `a` */
  Read: 0,
  /** state := a (write, delete) */
  Write: 1,
  /** if state = a then state := b, else the call cannot be placed here */
  Cas: 2,
  /** a failed cas: the state differed from `a` */
  CasFail: 3,
  /** state := state ++ element a */
  Append: 4,
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

/** One call as the search sees it. */
export interface LinOp {
  readonly call: Call;
  readonly kind: Kind;
  readonly a: number;
  readonly b: number;
  readonly start: number;
  /** +Infinity: open (may take effect at any later time, or never). */
  end: number;
  /** May be left out of the linearization (an indeterminate call). */
  optional: boolean;
}

const ALLOWED: Record<ModelName, ReadonlySet<string>> = {
  register: new Set(['read', 'write']),
  'cas-register': new Set(['read', 'write', 'cas']),
  kv: new Set(['read', 'write', 'cas', 'delete', 'append']),
};

export class ModelError extends Error {
  override readonly name = 'ModelError';
}

/** Applies op to state s: the new state, or -1 if the op cannot take effect in state s. */
export function step(states: States, op: LinOp, s: number): number {
  switch (op.kind) {
    case Kind.Read:
      return s === op.a ? s : -1;
    case Kind.Write:
      return op.a;
    case Kind.Cas:
      return s === op.a ? op.b : -1;
    case Kind.CasFail:
      return s !== op.a ? s : -1;
    case Kind.Append:
      return states.append(s, op.a);
  }
}

/**
 * Compiles a key's calls for the model; calls that constrain nothing are left out:
 * eventual reads, reads with an unknown result, and writes that definitely failed.
 */
export function compileCalls(model: ModelName, states: States, calls: readonly Call[]): LinOp[] {
  const out: LinOp[] = [];
  const allowed = ALLOWED[model];
  const add = (c: Call, kind: Kind, a: number, b: number): void => {
    out.push({ call: c, kind, a, b, start: c.start, end: c.end, optional: c.type === 'info' });
  };
  for (const c of calls) {
    if (!allowed.has(c.f)) throw new ModelError(`the ${model} model has no "${c.f}" operation (call at history index ${c.invokeIndex})`);
    switch (c.f) {
      case 'read':
        if (c.type === 'ok' && c.consistency !== 'eventual') add(c, Kind.Read, states.id(c.output), 0);
        break;
      case 'write':
        if (c.type !== 'fail') add(c, Kind.Write, states.id(c.input), 0);
        break;
      case 'delete':
        if (c.type !== 'fail') add(c, Kind.Write, states.id(null), 0);
        break;
      case 'append':
        if (c.type !== 'fail') add(c, Kind.Append, states.id(c.input), 0);
        break;
      case 'cas': {
        const pair = Array.isArray(c.input) ? (c.input as readonly Value[]) : [c.input as Value, null];
        // A failed cas observed a different value (Porcupine's reading, and the
        // gameday canary's "precondition failed"); one that failed for any other
        // reason (refused connection, leader unreachable) never ran: no constraint.
        if (c.type === 'fail') {
          if (c.error === undefined || c.error === PRECONDITION_FAILED) add(c, Kind.CasFail, states.id(pair[0]), 0);
        } else add(c, Kind.Cas, states.id(pair[0]), states.id(pair[1]));
        break;
      }
    }
  }
  return out;
}
