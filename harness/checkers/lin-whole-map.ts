// Linearizability of a kv history as ONE map: a single search over every call of the
// history, whose state is the whole map (lin-map-search.ts). Each key's calls are
// compiled and their open calls pruned as for the per-key check (the pruning rules
// are about one key's values, and the map is linearizable iff every key is); the
// history is not split by key or by time afterwards.
import type { Value } from '../history/op.ts';
import { byKey, type Call } from './calls.ts';
import { compileCalls, States, type LinOp } from './lin-model.ts';
import { pruneOpen, UNREAD, type PruneStats } from './lin-prepare.ts';
import { searchMap, type MapOp } from './lin-map-search.ts';
import type { Budget } from './lin-budget.ts';
import type { KeyOutcome } from './lin-key.ts';
import { callRef, shownState, type LinWitness } from './lin-witness.ts';

export type MapOutcome = KeyOutcome;

export interface MapFigures extends PruneStats {
  keys: number;
  calls: number;
}

export function checkWholeMap(calls: readonly Call[], initial: Value, budget: Budget, fig: MapFigures, backjump = true): MapOutcome {
  const names: Array<string | undefined> = [];
  const states: States[] = [];
  const init: number[] = [];
  const ops: MapOp[] = [];
  for (const [key, kc] of byKey(calls)) {
    const k = names.length;
    const st = new States();
    const pruned = pruneOpen(compileCalls('kv', st, kc), st.id(initial), () => st.id(UNREAD), fig);
    names.push(key);
    states.push(st);
    init.push(pruned.initial);
    for (const op of pruned.ops) ops.push({ op, key: k });
  }
  fig.keys += names.length;
  fig.calls += ops.length;
  ops.sort((x, y) => x.op.start - y.op.start || x.op.call.id - y.op.call.id);
  const r = searchMap(states, ops, Int32Array.from(init), budget, backjump);
  if (r.kind === 'ok') return { verdict: 'pass' };
  if (r.kind === 'unknown') return { verdict: 'unknown', reason: `whole map: ${r.reason}` };
  const opOf = (i: number): LinOp => (ops[i] as MapOp).op;
  const name = (k: number): string | null => names[k] ?? null;
  const stuckKey = (ops[r.stuck] as MapOp).key;
  const valueOf = (k: number, v: number): Value => (states[k] as States).value(v);
  const lastOps = r.last.map(opOf);
  const keys = [...r.values]
    .sort(([a], [b]) => Number(b === stuckKey) - Number(a === stuckKey))
    .map(([k, v]) => ({
      key: name(k),
      state: shownState(
        valueOf(k, v),
        lastOps.filter((o) => o.call.key === names[k]),
      ),
    }));
  const witness: LinWitness = {
    key: name(stuckKey),
    stuck: callRef(opOf(r.stuck).call),
    window: r.pending.map((i) => callRef(opOf(i).call)).sort((x, y) => x.start - y.start || x.index - y.index),
    windowFrom: 'search-frontier',
    keys,
    prefix: {
      calls: r.linearized,
      last: r.last.map((i) => callRef(opOf(i).call)),
      stateAfter: keys[0]?.state ?? null,
    },
  };
  return { verdict: 'fail', witness };
}
