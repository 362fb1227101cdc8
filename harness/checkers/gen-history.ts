// Seeded histories shaped like the canary fleet's, for benchmarks and tests: many
// keys, tens of concurrent clients, reads (strong and eventual), writes, cas and
// deletes against a simulated linearizable key-value store. Each call takes effect at
// a random instant inside its interval; during "partitions" many calls time out
// (info): some took effect, some never did, and they stay open. The client then
// continues under a new process id. Final strong reads close the history.
// `corrupt` makes a few reads stale and one final read lose the last write.
import type { Op, OpF, Value } from '../history/op.ts';
import { Rng } from '../schedule/rng.ts';

export interface GenOptions {
  /** Number of history lines to produce (about; each call is two lines). */
  readonly lines: number;
  readonly keys: number;
  readonly clients: number;
  readonly seed: number;
  /** Fraction of calls that time out outside partitions (default 0.002). */
  readonly timeoutRate?: number;
  readonly corrupt?: boolean;
  /** Draw written values from 0..valueRange-1 (as Jepsen's register tests do) instead of unique ones. */
  readonly valueRange?: number;
}

/** The workload's random source: the run's one seeded generator (schedule/rng.ts), as a function. */
export const rng = (seed: number): (() => number) => {
  const r = new Rng(seed);
  return () => r.next();
};

interface Planned {
  key: string;
  f: OpF;
  arg: Value | [Value, Value];
  process: number;
  start: number;
  end: number;
  /** instant it takes effect, or Infinity if never */
  at: number;
  timedOut: boolean;
  eventual: boolean;
  result: Value;
  swapped: boolean;
}

export function generateHistory(o: GenOptions): Op[] {
  const rand = rng(o.seed);
  const calls = Math.floor(o.lines / 2) - o.keys;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const keyOf = (): string => `k${Math.floor(Math.pow(rand(), 2) * o.keys)}`; // skewed: some keys hot
  const clockOf = new Float64Array(o.clients);
  const procOf = Int32Array.from({ length: o.clients }, (_, i) => i);
  let nextProc = o.clients;
  let counter = 1;
  const fresh = (): number => (o.valueRange === undefined ? counter++ : Math.floor(rand() * o.valueRange));
  const lastWritten = new Map<string, Value>();
  const planned: Planned[] = [];
  // partitions: every ~2 s of simulated time, 300 ms in which a third of calls time out
  const inPartition = (t: number): boolean => t % 2000 > 1700;
  for (let i = 0; i < calls; i++) {
    let c = 0;
    for (let j = 1; j < o.clients; j++) if ((clockOf[j] as number) < (clockOf[c] as number)) c = j;
    const start = clockOf[c] as number;
    const dur = 0.5 + rand() * 8;
    const key = keyOf();
    const r = rand();
    const f: OpF = r < 0.5 ? 'read' : r < 0.85 ? 'write' : r < 0.95 ? 'cas' : 'delete';
    const timedOut = rand() < (inPartition(start) ? 0.33 : (o.timeoutRate ?? 0.002));
    let arg: Value | [Value, Value] = null;
    if (f === 'write') arg = fresh();
    if (f === 'cas') arg = [rand() < 0.7 ? (lastWritten.get(key) ?? null) : pick([null, fresh()]), fresh()];
    if (f === 'write') lastWritten.set(key, arg as Value);
    if (f === 'cas') lastWritten.set(key, (arg as [Value, Value])[1]);
    const end = timedOut ? start + 50 + rand() * 50 : start + dur;
    // a timed-out call took effect in half the cases, possibly long after the client gave up
    const at = timedOut ? (rand() < 0.5 ? start + rand() * 400 : Infinity) : start + rand() * dur;
    const eventual = f === 'read' && rand() < 0.1;
    planned.push({ key, f, arg, process: procOf[c] as number, start, end, at, timedOut, eventual, result: null, swapped: false });
    clockOf[c] = end + rand() * 2;
    if (timedOut) procOf[c] = nextProc++;
  }
  // apply in the order the calls took effect
  const state = new Map<string, Value>();
  const history = new Map<string, Value[]>(); // for eventual reads: recent values
  const applied = planned.filter((p) => Number.isFinite(p.at)).sort((a, b) => a.at - b.at);
  for (const p of applied) {
    const cur = state.get(p.key) ?? null;
    if (p.f === 'read') {
      const past = history.get(p.key) ?? [];
      p.result = p.eventual && past.length > 1 && rand() < 0.5 ? (past[past.length - 2] as Value) : cur;
      continue;
    }
    let next: Value = cur;
    if (p.f === 'write') next = p.arg as Value;
    if (p.f === 'delete') next = null;
    if (p.f === 'cas') {
      const [exp, nv] = p.arg as [Value, Value];
      p.swapped = exp === cur;
      if (p.swapped) next = nv;
    }
    state.set(p.key, next);
    let h = history.get(p.key);
    if (h === undefined) history.set(p.key, (h = []));
    h.push(next);
    if (h.length > 4) h.shift();
  }
  const horizon = planned.reduce((m, p) => Math.max(m, p.end, Number.isFinite(p.at) ? p.at : 0), 0) + 10;
  if (o.corrupt === true) corrupt(planned, rand);
  const ops: Op[] = [];
  for (const p of planned) {
    const base = {
      f: p.f,
      key: p.key,
      process: p.process,
      ...(p.f === 'read' ? { consistency: p.eventual ? ('eventual' as const) : ('strong' as const) } : {}),
    };
    ops.push({ ...base, index: 0, type: 'invoke', value: p.f === 'read' ? null : p.arg, time: p.start });
    const type = p.timedOut ? 'info' : p.f === 'cas' && !p.swapped ? 'fail' : 'ok';
    const value = p.f === 'read' && !p.timedOut ? p.result : p.f === 'read' ? null : p.arg;
    ops.push({ ...base, index: 0, type, value, time: p.end, ...(p.timedOut ? { error: 'timeout' } : {}) });
  }
  // final strong reads of every key the run touched, after everything settled
  const finalValue = new Map(state);
  if (o.corrupt === true) {
    const victim = [...finalValue.keys()].find((k) => (history.get(k)?.length ?? 0) >= 2 && finalValue.get(k) !== null);
    if (victim !== undefined) finalValue.set(victim, (history.get(victim) as Value[]).at(-2) ?? null);
  }
  let p = nextProc;
  for (const [key, v] of finalValue) {
    const fin = { key, process: p++, consistency: 'strong' as const, final: true } as const;
    ops.push({ ...fin, index: 0, type: 'invoke', f: 'read', value: null, time: horizon });
    ops.push({ ...fin, index: 0, type: 'ok', f: 'read', value: v, time: horizon + 1 });
  }
  ops.sort((a, b) => a.time - b.time);
  return ops.map((op, index) => ({ ...op, index }));
}

/** Makes a few strong reads late in the history return the value before the one they saw. */
function corrupt(planned: Planned[], rand: () => number): void {
  const prev = new Map<string, Value>();
  const seen = new Map<string, Value>();
  let n = 0;
  for (let i = 0; i < planned.length && n < 3; i++) {
    const p = planned[i] as Planned;
    if (p.f === 'read' && !p.eventual && !p.timedOut) {
      const before = prev.get(p.key);
      if (i > planned.length * 0.6 && before !== undefined && before !== p.result && rand() < 0.2) {
        p.result = before;
        n++;
      }
      if (seen.get(p.key) !== p.result) {
        prev.set(p.key, seen.get(p.key) ?? null);
        seen.set(p.key, p.result);
      }
    }
  }
}
