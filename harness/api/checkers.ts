// `gameday/checkers`: the history checkers and the history readers, for use outside
// a game day (a test of one's own, a Jepsen or Porcupine history from elsewhere).
export { runCheck, combineVerdicts, type CheckResult, type Verdict } from '../checkers/check.ts';
export { checkHistory, type HistoryCheckOptions } from '../checkers/check-history.ts';
export { checkLinearizable, type LinOptions, type ModelName } from '../checkers/linearizable.ts';
export { checkLostWrites, type LostWrite, type WriteRef } from '../checkers/lost-writes.ts';
export { checkSetFull } from '../checkers/set-full.ts';
export { checkReplicasAgree } from '../checkers/replicas-agree.ts';
export { detectFormat, FORMATS, readHistory, type HistoryFormat, type LoadedHistory } from '../history/read-history.ts';
export { HistoryFormatError } from '../history/read-error.ts';
export type { Op, OpF, OpType, Value } from '../history/op.ts';
