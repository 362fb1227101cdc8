// Whole-map mode (one search over every key at once) against per-key mode: the same
// verdicts, since linearizability is local. Porcupine's kv histories, small literal
// histories, a budget that runs out, and many small random multi-key histories.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import type { Op, OpF } from '../history/op.ts';
import { readHistory } from '../history/read-history.ts';
import { rng } from './gen-history.ts';
import type { LinWitness } from './lin-witness.ts';
import { checkLinearizable, type LinOptions } from './linearizable.ts';
import { concurrentWrites, hist, type Line } from './test-history.ts';

const both = (ops: Op[], opts: LinOptions = {}) => {
  const perKey = checkLinearizable(ops, { model: 'kv', timeoutMs: 5000, ...opts });
  const wholeMap = checkLinearizable(ops, { model: 'kv', timeoutMs: 5000, ...opts, wholeMap: true });
  // the same search without backjumping: the same verdict, by another road
  const chrono = checkLinearizable(ops, { model: 'kv', timeoutMs: 5000, ...opts, wholeMap: true, backjump: false });
  assert.equal(chrono.verdict, wholeMap.verdict, `without backjumping: ${chrono.summary}`);
  return { perKey, wholeMap };
};
const w = (p: number, key: string, v: number | null): Line[] => [
  ['i', p, 'write', key, v],
  ['ok', p, 'write', key, v],
];
const r = (p: number, key: string, v: number | null): Line[] => [
  ['i', p, 'read', key, null],
  ['ok', p, 'read', key, v],
];

// --- Porcupine's kv histories, checked as one map ---------------------------------

const dir = fileURLToPath(new URL('../../../shared/testdata/porcupine/', import.meta.url));
const tsv = `${dir}expected.tsv`;
const present = existsSync(tsv);
const kvRows = present
  ? readFileSync(tsv, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split('\t') as [string, string])
      .filter(([f]) => f.startsWith('kv/'))
  : [];

test('porcupine kv data is present for the whole-map tests', (t) => {
  if (!present) t.skip(`${dir} is absent (clone the shared data beside the repo to run the whole-map conformance tests)`);
  else assert.ok(kvRows.length >= 4, `expected.tsv lists ${kvRows.length} kv files`);
});

for (const [file, expected] of kvRows) {
  test(`${file} as one map is ${expected === 'true' ? '' : 'not '}linearizable, as key by key`, () => {
    const h = readHistory(dir + file);
    const r = both(h.ops, { initial: h.initial, timeoutMs: 30_000 });
    const want = expected === 'true' ? 'pass' : 'fail';
    assert.equal(r.wholeMap.verdict, want, r.wholeMap.summary);
    assert.equal(r.perKey.verdict, want, r.perKey.summary);
    assert.equal(r.wholeMap.details?.['wholeMap'], true);
    const f = r.wholeMap.details?.['figures'] as { keys: number; segments: number };
    assert.equal(f.segments, 1, 'one search over the whole history');
    if (want === 'fail') {
      const wit = r.wholeMap.details?.['witness'] as LinWitness;
      assert.equal(wit.windowFrom, 'search-frontier');
      assert.ok(
        wit.window.some((c) => c.index === wit.stuck.index),
        'the window holds the stuck call',
      );
      assert.equal(wit.keys?.[0]?.key, wit.key, "the stuck call's key comes first");
      // the stuck call's key really is not linearizable on its own
      const alone = checkLinearizable(
        h.ops.filter((o) => o.key === wit.key),
        { model: 'kv', initial: h.initial },
      );
      assert.equal(alone.verdict, 'fail', `key ${wit.key} alone: ${alone.summary}`);
    } else {
      assert.ok(f.keys >= 10, `every key is in the one search (${f.keys})`);
    }
  });
}

// --- small literal histories ---------------------------------------------------

test('a valid history over three keys passes both ways', () => {
  const lines: Line[] = [
    ['i', 0, 'write', 'a', 1],
    ['i', 1, 'write', 'b', 2],
    ['ok', 0, 'write', 'a', 1],
    ['i', 2, 'read', 'b', null],
    ['ok', 1, 'write', 'b', 2],
    ['ok', 2, 'read', 'b', 2],
    ...r(0, 'a', 1),
    ...w(1, 'c', 3),
    ...r(2, 'c', 3),
    ['i', 0, 'append', 'a', 4],
    ['i', 1, 'read', 'a', null],
    ['ok', 1, 'read', 'a', 1],
    ['ok', 0, 'append', 'a', 4],
    ...r(2, 'b', 2),
  ];
  const { perKey, wholeMap } = both(hist(lines));
  assert.equal(perKey.verdict, 'pass', perKey.summary);
  assert.equal(wholeMap.verdict, 'pass', wholeMap.summary);
  assert.match(wholeMap.summary, /\(kv, whole map\): 3 key\(s\)/);
});

test('a stale read on one key among several fails both ways; the whole-map witness names that key', () => {
  const lines: Line[] = [
    ...w(0, 'a', 1),
    ...w(1, 'b', 1),
    ...w(2, 'c', 1),
    ...w(0, 'b', 2),
    ...r(1, 'a', 1),
    ...r(2, 'c', 1),
    ...r(1, 'b', 1),
    ...r(0, 'a', 1),
  ];
  const { perKey, wholeMap } = both(hist(lines));
  assert.equal(perKey.verdict, 'fail', perKey.summary);
  assert.equal(wholeMap.verdict, 'fail', wholeMap.summary);
  const wit = wholeMap.details?.['witness'] as LinWitness;
  assert.equal(wit.key, 'b');
  assert.equal(wit.stuck.f, 'read');
  assert.equal(wit.stuck.result, 1);
  assert.equal(wit.stuck.index, 12);
  assert.deepEqual(wit.keys, [{ key: 'b', state: 2 }]);
  assert.equal(wit.prefix.calls, 6, 'everything before the stale read was ordered');
  assert.match(wholeMap.summary, /on key "b"/);
});

test('a budget that runs out gives unknown both ways', () => {
  // 9 concurrent writes on one key, each value read, one write on another, then a read of a value nobody wrote
  const lines: Line[] = [['i', 50, 'write', 'j', 7, 0], ['ok', 50, 'write', 'j', 7, 1], ...concurrentWrites(9, 'k', 2)];
  const { perKey, wholeMap } = both(hist(lines), { maxStates: 500 });
  assert.equal(perKey.verdict, 'unknown', perKey.summary);
  assert.equal(wholeMap.verdict, 'unknown', wholeMap.summary);
  assert.match(wholeMap.summary, /whole map: state budget exhausted \(500 states\)/);
  // with room to search, both find the violation
  const big = both(hist(lines));
  assert.equal(big.perKey.verdict, 'fail');
  assert.equal(big.wholeMap.verdict, 'fail');
});

test('whole-map mode is for the kv model only', () => {
  const res = checkLinearizable(hist([...w(0, 'a', 1), ...r(1, 'a', 1)]), { model: 'register', wholeMap: true });
  assert.equal(res.verdict, 'unknown');
  assert.match(res.summary, /needs the kv model, not register/);
});

// --- random agreement -------------------------------------------------------------

/**
 * A random history of a kv store that really is linearizable: each call takes effect
 * at a random instant inside its interval; some time out (info), taking effect or
 * not. With `corrupt`, one read then returns an older value of its key.
 */
export function simulatedKv(seed: number, calls: number, keys: number, corrupt: boolean): Op[] {
  const rand = rng(seed);
  type Sim = { p: number; f: OpF; key: string; value: Op['value']; start: number; end: number; at: number; type: 'ok' | 'fail' | 'info'; result: Op['value'] };
  const sims: Sim[] = [];
  for (let p = 0; p < calls; p++) {
    const x = rand();
    const f: OpF = x < 0.4 ? 'read' : x < 0.6 ? 'write' : x < 0.85 ? 'append' : 'cas';
    const v = String(Math.floor(rand() * 3));
    const start = rand() * calls;
    const end = start + 0.5 + rand() * 4;
    const info = rand() < 0.08;
    const key = `k${Math.floor(rand() * keys)}`;
    const value: Op['value'] = f === 'read' ? null : f === 'cas' ? [rand() < 0.5 ? '' : v, String(Math.floor(rand() * 3))] : v;
    sims.push({
      p,
      f,
      key,
      value,
      start,
      end,
      at: info && rand() < 0.5 ? Infinity : start + rand() * (end - start),
      type: info ? 'info' : 'ok',
      result: value,
    });
  }
  const map = new Map<string, string>();
  const seen = new Map<string, string[]>();
  for (const c of [...sims].filter((c) => c.at < Infinity).sort((a, b) => a.at - b.at)) {
    const cur = map.get(c.key) ?? '';
    if (c.f === 'read') c.result = cur;
    else if (c.f === 'write') map.set(c.key, c.value as string);
    else if (c.f === 'append') map.set(c.key, cur + (c.value as string));
    else if (c.f === 'cas') {
      const [a, b] = c.value as [string, string];
      if (cur === a) map.set(c.key, b);
      else if (c.type === 'ok') c.type = 'fail';
    }
    const s = seen.get(c.key) ?? [];
    s.push(map.get(c.key) ?? '');
    seen.set(c.key, s);
  }
  if (corrupt) {
    const reads = sims.filter((c) => c.f === 'read' && c.type === 'ok');
    const r = reads[Math.floor(rand() * reads.length)];
    const older = r === undefined ? [] : (seen.get(r.key) ?? []).filter((v) => v !== r.result);
    if (r !== undefined && older.length > 0) r.result = older[Math.floor(rand() * older.length)] as string;
  }
  const events = sims.flatMap((c) => [
    { t: c.start, line: ['i', c.p, c.f, c.key, c.f === 'read' ? null : c.value, c.start] as Line },
    { t: c.end, line: [c.type, c.p, c.f, c.key, c.f === 'read' ? c.result : c.value, c.end] as Line },
  ]);
  return hist(events.sort((a, b) => a.t - b.t).map((e) => e.line));
}

test('per key and as one map agree on 4000 random multi-key histories of a simulated store, some corrupted', () => {
  const seen = { pass: 0, fail: 0 };
  for (let seed = 1; seed <= 4000; seed++) {
    const h = simulatedKv(seed, 6 + (seed % 35), 1 + (seed % 4), seed % 3 === 0);
    const { perKey, wholeMap } = both(h, { witness: false, initial: '' });
    assert.notEqual(perKey.verdict, 'unknown', `seed ${seed}`);
    assert.equal(wholeMap.verdict, perKey.verdict, `seed ${seed}: ${wholeMap.summary} / ${perKey.summary}\n${JSON.stringify(h)}`);
    seen[perKey.verdict as 'pass' | 'fail']++;
  }
  assert.ok(seen.pass > 300 && seen.fail > 300, `a mix of verdicts (${seen.pass} pass, ${seen.fail} fail)`);
});
