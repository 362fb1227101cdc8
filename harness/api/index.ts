// The package's main entry (`import type { Target } from 'gameday'`): the contract a
// system under test implements, and the operation records a history is made of.
export type * from '../../targets/target.ts';
export type { Op, OpF, OpType, Value } from '../history/op.ts';
export { isCompletion, isServed, PRECONDITION_FAILED } from '../history/op.ts';
