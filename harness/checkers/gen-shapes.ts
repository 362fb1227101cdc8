// Seeded histories of the shapes that make linearizability checkers slow, written in
// Porcupine's own formats so that both checkers read the very same file:
// - cas chain: many concurrent successful compare-and-set calls on values 0-2 whose
//   only valid orders follow one path through the values (0→1→2→0...), then a read;
// - long register: one key, 4-16 clients, tens of thousands of lines, reads, writes
//   and cas on values 0-4, no open calls;
// - kv: Porcupine's kv model (get / put / append) with many clients, every one of them
//   on every key (as in Porcupine's 50-client data: 50 clients, 10 keys).
// Each call takes effect at an instant inside its interval; the simulated store is
// linearizable. The violating version changes one read late in the history (at 90%)
// to a value no ordering can give it: the search must rule out every ordering of
// everything before it.
import { rng } from './gen-history.ts';

export interface ShapeOptions {
  readonly seed: number;
  readonly bad: boolean;
}

/** One line of a history: process, invoke or completion, the operation, its value. */
interface Ev {
  readonly t: number;
  readonly p: number;
  readonly type: 'invoke' | 'ok' | 'fail';
  readonly f: 'read' | 'write' | 'cas' | 'get' | 'put' | 'append';
  readonly key?: string;
  /** invoke: argument; completion: result (reads) or argument */
  value: number | readonly [number, number] | string | null;
}

const sorted = (evs: Ev[]): Ev[] => evs.sort((a, b) => a.t - b.t || (a.type === 'invoke' ? 1 : 0) - (b.type === 'invoke' ? 1 : 0));

/** `n` concurrent cas calls that succeed in a chain 0→1→2→0..., then a read. */
export function casChain(n: number, o: ShapeOptions): string {
  const rand = rng(o.seed);
  const evs: Ev[] = [
    { t: 0, p: 0, type: 'invoke', f: 'write', value: 0 },
    { t: 1, p: 0, type: 'ok', f: 'write', value: 0 },
  ];
  // the i-th call to take effect does so at 10 + i; its interval spans most of the others
  let last = 0;
  for (let i = 0; i < n; i++) {
    const at = 10 + i;
    const start = at - rand() * n;
    const end = at + rand() * n;
    const v = [i % 3, (i + 1) % 3] as const;
    evs.push({ t: Math.max(2, start), p: i + 1, type: 'invoke', f: 'cas', value: v }, { t: end, p: i + 1, type: 'ok', f: 'cas', value: v });
    last = Math.max(last, end);
  }
  const final = n % 3;
  evs.push(
    { t: last + 1, p: n + 1, type: 'invoke', f: 'read', value: null },
    { t: last + 2, p: n + 1, type: 'ok', f: 'read', value: o.bad ? (final + 1) % 3 : final },
  );
  return etcdLog(sorted(evs));
}

interface Sim {
  readonly clients: number;
  readonly calls: number;
  readonly rand: () => number;
  /** what client p calls next: f and argument */
  next(p: number, i: number): { f: Ev['f']; key?: string; arg: Ev['value'] };
  /** applies a call at its instant: the completion's type and value */
  apply(f: Ev['f'], key: string, arg: Ev['value']): { type: 'ok' | 'fail'; value: Ev['value'] };
}

/** Clients issuing calls back to back, each taking effect at a random instant inside it. */
function simulate(s: Sim): Ev[] {
  const clock = Float64Array.from({ length: s.clients }, () => s.rand() * 5);
  const planned: Array<{ p: number; f: Ev['f']; key: string; arg: Ev['value']; start: number; end: number; at: number }> = [];
  for (let i = 0; i < s.calls; i++) {
    let p = 0;
    for (let j = 1; j < s.clients; j++) if ((clock[j] as number) < (clock[p] as number)) p = j;
    const start = clock[p] as number;
    const end = start + 1 + s.rand() * 9;
    const { f, key = 'k', arg } = s.next(p, i);
    planned.push({ p, f, key, arg, start, end, at: start + s.rand() * (end - start) });
    clock[p] = end + s.rand() * 2;
  }
  const evs: Ev[] = [];
  for (const c of [...planned].sort((a, b) => a.at - b.at)) {
    const r = s.apply(c.f, c.key, c.arg);
    evs.push({ t: c.start, p: c.p, type: 'invoke', f: c.f, key: c.key, value: c.arg }, { t: c.end, p: c.p, type: r.type, f: c.f, key: c.key, value: r.value });
  }
  return sorted(evs);
}

/** The completion of a read (get) at 90% of the history: the one the violating version changes. */
function lateRead(evs: readonly Ev[], f: Ev['f']): Ev {
  for (let i = Math.floor(evs.length * 0.9); i < evs.length; i++) {
    const e = evs[i] as Ev;
    if (e.f === f && e.type === 'ok') return e;
  }
  throw new Error('no read late in the history');
}

/** One register, `clients` clients, about `lines` lines: reads, writes and cas on values 0-4. */
export function longRegister(lines: number, clients: number, o: ShapeOptions): string {
  const rand = rng(o.seed);
  let state: number | null = null;
  const evs = simulate({
    clients,
    calls: Math.floor(lines / 2),
    rand,
    next: () => {
      const r = rand();
      const v = (): number => Math.floor(rand() * 5);
      return r < 0.5 ? { f: 'read', arg: null } : r < 0.85 ? { f: 'write', arg: v() } : { f: 'cas', arg: [v(), v()] };
    },
    apply: (f, _key, arg) => {
      if (f === 'read') return { type: 'ok', value: state };
      if (f === 'write') return { type: 'ok', value: (state = arg as number) };
      const [a, b] = arg as readonly [number, number];
      if (state !== a) return { type: 'fail', value: arg };
      state = b;
      return { type: 'ok', value: arg };
    },
  });
  if (o.bad) lateRead(evs, 'read').value = 7; // never written
  return etcdLog(evs);
}

/** Porcupine's kv model: `clients` clients on `keys` keys, about `lines` lines of get / put / append. */
export function kvShared(lines: number, clients: number, keys: number, o: ShapeOptions): string {
  const rand = rng(o.seed);
  const state = new Map<string, string>();
  const n = new Int32Array(clients);
  const evs = simulate({
    clients,
    calls: Math.floor(lines / 2),
    rand,
    next: (p) => {
      const r = rand();
      const key = String(Math.floor(rand() * keys));
      const v = `x ${p} ${(n[p] = (n[p] as number) + 1)} y`;
      return r < 0.5 ? { f: 'get', key, arg: null } : r < 0.9 ? { f: 'append', key, arg: v } : { f: 'put', key, arg: v };
    },
    apply: (f, key, arg) => {
      const s = state.get(key) ?? '';
      if (f === 'get') return { type: 'ok', value: s };
      state.set(key, f === 'put' ? (arg as string) : s + (arg as string));
      return { type: 'ok', value: arg };
    },
  });
  if (o.bad) {
    const r = lateRead(evs, 'get');
    r.value = `${r.value as string}x lost 0 y`; // an append nobody made
  }
  return evs.map(kvLine).join('\n') + '\n';
}

const ednValue = (v: Ev['value']): string =>
  v === null ? 'nil' : Array.isArray(v) ? `[${v.join(' ')}]` : typeof v === 'string' ? JSON.stringify(v) : String(v);

function etcdLog(evs: readonly Ev[]): string {
  return evs.map((e) => `INFO  jepsen.util - ${e.p}\t:${e.type}\t:${e.f}\t${ednValue(e.value)}`).join('\n') + '\n';
}

function kvLine(e: Ev): string {
  return `{:process ${e.p}, :type :${e.type}, :f :${e.f}, :key "${e.key ?? 'k'}", :value ${ednValue(e.value)}}`;
}
