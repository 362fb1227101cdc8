// The checker against brute force on many small random histories: every subset of
// the open calls, every order that respects real time. Catches unsound pruning.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Op, Value } from '../history/op.ts';
import { pairCalls, type Call } from './calls.ts';
import { generateHistory, rng } from './gen-history.ts';
import { checkLinearizable } from './linearizable.ts';
import { hist, type Line } from './test-history.ts';

const write0: Line[] = [
  ['i', 1000, 'write', 'k', 0],
  ['ok', 1000, 'write', 'k', 0],
];

function accepts(c: Call, s: Value): Value | undefined {
  const pair = (c.input ?? [null, null]) as readonly Value[];
  switch (c.f) {
    case 'read':
      return JSON.stringify(c.output) === JSON.stringify(s) ? s : undefined;
    case 'write':
      return c.input as Value;
    case 'delete':
      return null;
    case 'append': {
      const cur = s as unknown;
      return (Array.isArray(cur) ? [...(cur as unknown[]), c.input] : cur === null ? [c.input] : [cur, c.input]) as unknown as Value;
    }
    case 'cas':
      if (c.type === 'fail') return s !== pair[0] ? s : undefined;
      return s === pair[0] ? (pair[1] as Value) : undefined;
    default:
      return undefined;
  }
}

function bruteForce(history: readonly Op[]): boolean {
  const calls = pairCalls(history).filter((c) => !(c.f === 'read' && c.type !== 'ok') && !(c.f !== 'cas' && c.type === 'fail'));
  const n = calls.length;
  const done = new Array<boolean>(n).fill(false);
  const go = (s: Value, left: number): boolean => {
    // finished when every required (completed) call is placed
    if (calls.every((c, i) => done[i] || c.type === 'info')) return true;
    if (left === 0) return false;
    for (let i = 0; i < n; i++) {
      if (done[i]) continue;
      const c = calls[i] as Call;
      // c may go next only if no pending call completed before c began
      if (calls.some((d, j) => !done[j] && j !== i && d.end < c.start)) continue;
      const ns = accepts(c, s);
      if (ns === undefined) continue;
      done[i] = true;
      const ok = go(ns, left - 1);
      done[i] = false;
      if (ok) return true;
    }
    return false;
  };
  return go(null, n);
}

type Pick = (rand: () => number, v: () => number) => { f: Op['f']; value: Op['value'] };

/** Reads, writes, cas and deletes on values 0-2 (or unique values). */
const anyCall: Pick = (rand, v) => {
  const r = rand();
  const f: Op['f'] = r < 0.35 ? 'read' : r < 0.7 ? 'write' : r < 0.9 ? 'cas' : 'delete';
  return { f, value: f === 'write' ? v() : f === 'cas' ? [rand() < 0.3 ? null : v(), v()] : null };
};

/** Mostly identical calls: the cas chain 0→1→2→0 and writes of 0, with reads between (twins everywhere). */
const twinCall: Pick = (rand) => {
  const r = rand();
  if (r < 0.25) return { f: 'read', value: null };
  if (r < 0.35) return { f: 'write', value: 0 };
  const a = Math.floor(rand() * 3);
  return { f: 'cas', value: [a, (a + 1) % 3] };
};

/** Appends of 1-3 and writes of [] or [1], reads of short lists: the kv model's appended states. */
const appendCall: Pick = (rand) => {
  const r = rand();
  if (r < 0.4) return { f: 'read', value: null };
  if (r < 0.55) return { f: 'write', value: (rand() < 0.5 ? [] : [1]) as unknown as Value };
  return { f: 'append', value: 1 + Math.floor(rand() * 3) };
};
/** What a read in an append history returns: a short list, mostly one that some order can give. */
const listResult = (rand: () => number): Value => {
  const n = Math.floor(rand() * 4);
  return (rand() < 0.15 ? null : Array.from({ length: n }, () => 1 + Math.floor(rand() * 3))) as unknown as Value;
};

function randomHistory(seed: number, unique = false, pick: Pick = anyCall, most = 6, result?: (rand: () => number) => Value): Op[] {
  const rand = rng(seed);
  let counter = 0;
  const ops: Op[] = [];
  const pending: Array<{ p: number; f: Op['f']; value: Op['value'] }> = [];
  let t = 0;
  const calls = 3 + Math.floor(rand() * (most - 2));
  let started = 0;
  let proc = 0;
  while (started < calls || pending.length > 0) {
    if (started < calls && (pending.length === 0 || rand() < 0.5)) {
      const { f, value } = pick(rand, () => (unique ? ++counter : Math.floor(rand() * 3)));
      const p = proc++;
      ops.push({ index: ops.length, type: 'invoke', f, key: 'k', value, process: p, time: t++ });
      pending.push({ p, f, value });
      started++;
    } else {
      const [c] = pending.splice(Math.floor(rand() * pending.length), 1);
      if (c === undefined) continue;
      const r = rand();
      const type = r < 0.25 ? 'info' : c.f === 'cas' && r < 0.6 ? 'fail' : 'ok';
      const value =
        c.f !== 'read'
          ? c.value
          : result !== undefined
            ? result(rand)
            : rand() < 0.25
              ? null
              : unique
                ? 1 + Math.floor(rand() * Math.max(1, counter))
                : Math.floor(rand() * 3);
      ops.push({ index: ops.length, type, f: c.f, key: 'k', value, process: c.p, time: t++ });
    }
  }
  return ops;
}

test('agrees with brute force on 6000 small random histories (open calls, failed cas, deletes)', () => {
  let pass = 0;
  let dropped = 0;
  let bounded = 0;
  for (let seed = 1; seed <= 6000; seed++) {
    const h = randomHistory(seed, seed % 2 === 0);
    const want = bruteForce(h);
    const got = checkLinearizable(h, { model: 'kv' });
    assert.equal(got.verdict, want ? 'pass' : 'fail', `seed ${seed}: ${JSON.stringify(h)}`);
    if (want) pass++;
    const f = got.details?.['figures'] as { dropped: number; bounded: number } | undefined;
    dropped += f?.dropped ?? 0;
    bounded += f?.bounded ?? 0;
  }
  assert.ok(pass > 600 && pass < 5400, `a mix of verdicts (${pass} linearizable)`);
  assert.ok(dropped > 100 && bounded > 100, `the pruning rules were exercised (dropped ${dropped}, bounded ${bounded})`);
});

/** How many of `n` histories brute force finds linearizable; the checker must agree on each. */
function agree(n: number, make: (seed: number) => Op[]): number {
  let pass = 0;
  for (let seed = 1; seed <= n; seed++) {
    const h = make(seed);
    const want = bruteForce(h);
    assert.equal(checkLinearizable(h, { model: 'kv' }).verdict, want ? 'pass' : 'fail', `seed ${seed}: ${JSON.stringify(h)}`);
    if (want) pass++;
  }
  return pass;
}

test('agrees with brute force on 3000 small histories of mostly identical calls (cas chains, equal writes)', () => {
  const pass = agree(3000, (seed) => [
    ...hist(write0),
    ...randomHistory(seed, false, twinCall, 8).map((o) => ({ ...o, index: o.index + 2, time: o.time + 2 })),
  ]);
  assert.ok(pass > 300 && pass < 2700, `a mix of verdicts (${pass} linearizable)`);
});

test('agrees with brute force on 4000 small histories of appends, writes of lists and reads', () => {
  const pass = agree(4000, (seed) => randomHistory(seed, false, appendCall, 7, listResult));
  assert.ok(pass > 200 && pass < 3800, `a mix of verdicts (${pass} linearizable)`);
});

test('generated canary histories: the valid one passes, the corrupted one fails', () => {
  const valid = generateHistory({ lines: 20_000, keys: 200, clients: 20, seed: 5 });
  assert.equal(checkLinearizable(valid, { model: 'kv' }).verdict, 'pass');
  const bad = generateHistory({ lines: 20_000, keys: 200, clients: 20, seed: 5, corrupt: true });
  assert.equal(checkLinearizable(bad, { model: 'kv' }).verdict, 'fail');
});

/**
 * Bursts of 2-4 concurrent appends, writes of lists and reads, with a quiet gap after
 * each (so several segments): every call takes effect at an instant inside it and reads
 * see the state then, except that now and then one read sees a list no order gives.
 * The search must backtrack into an earlier burst when a later one rules out the order
 * it tried first there.
 */
function burstHistory(seed: number, unique = false): Op[] {
  const rand = rng(seed);
  let counter = 0;
  const evs: Array<{ t: number; type: 'invoke' | 'ok'; f: Op['f']; value: Op['value']; process: number }> = [];
  let state: number[] | null = null;
  let t = 0;
  let proc = 0;
  const bursts = 2 + Math.floor(rand() * 2);
  for (let b = 0; b < bursts; b++) {
    const calls: Array<{ f: Op['f']; arg: Op['value']; result: Op['value']; start: number; end: number; at: number; p: number }> = [];
    const n = 2 + Math.floor(rand() * 3);
    for (let i = 0; i < n; i++) {
      const start = t + rand() * 3;
      const end = start + 1 + rand() * 4;
      const r = rand();
      const f: Op['f'] = r < 0.4 ? 'read' : r < (unique ? 0.6 : 0.5) ? 'write' : 'append';
      const arg = (f === 'append' ? (unique ? ++counter : 1 + Math.floor(rand() * 3)) : f === 'write' ? (rand() < 0.5 ? [] : [1]) : null) as Op['value'];
      calls.push({ f, arg, result: null, start, end, at: start + rand() * (end - start), p: proc++ });
    }
    for (const c of [...calls].sort((x, y) => x.at - y.at)) {
      if (c.f === 'read') c.result = (state === null ? null : [...state]) as Op['value'];
      else if (c.f === 'write') state = [...(c.arg as number[])];
      else state = [...(state ?? []), c.arg as number];
    }
    const reads = calls.filter((c) => c.f === 'read');
    if (reads.length > 0 && rand() < 0.25) (reads[Math.floor(rand() * reads.length)] as (typeof calls)[number]).result = listResult(rand) as Op['value'];
    for (const c of calls) {
      evs.push({ t: c.start, type: 'invoke', f: c.f, value: c.f === 'read' ? null : c.arg, process: c.p });
      evs.push({ t: c.end, type: 'ok', f: c.f, value: c.f === 'read' ? c.result : c.arg, process: c.p });
    }
    t = Math.max(...calls.map((c) => c.end)) + 1;
  }
  evs.sort((x, y) => x.t - y.t);
  return evs.map((e, index) => ({ index, type: e.type, f: e.f, key: 'k', value: e.value, process: e.process, time: e.t }));
}

test('agrees with brute force on 2000 small histories of bursts of appends in several segments', () => {
  const pass = agree(2000, burstHistory);
  assert.ok(pass > 400 && pass < 1800, `a mix of verdicts (${pass} linearizable)`);
});

// Unique elements, and writes that replace a list before anyone read it: many appends no
// read sees, which the search takes as one state (lin-prepare.ts, blindAppends).
test('agrees with brute force on 2000 small histories of bursts of unique appends, some never read', () => {
  const pass = agree(2000, (seed) => burstHistory(seed, true));
  assert.ok(pass > 400 && pass < 1800, `a mix of verdicts (${pass} linearizable)`);
});
