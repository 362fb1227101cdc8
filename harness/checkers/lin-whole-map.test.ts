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
import { hist, type Line } from './test-history.ts';

const both = (ops: Op[], opts: LinOptions = {}) => ({
  perKey: checkLinearizable(ops, { model: 'kv', timeoutMs: 5000, ...opts }),
  wholeMap: checkLinearizable(ops, { model: 'kv', timeoutMs: 5000, ...opts, wholeMap: true }),
});
const w = (p: number, key: string, v: number | null): Line[] => [['i', p, 'write', key, v], ['ok', p, 'write', key, v]];
const r = (p: number, key: string, v: number | null): Line[] => [['i', p, 'read', key, null], ['ok', p, 'read', key, v]];

// --- Porcupine's kv histories, checked as one map ---------------------------------

const dir = fileURLToPath(new URL('../../../shared/testdata/porcupine/', import.meta.url));
const tsv = `${dir}expected.tsv`;
const present = existsSync(tsv);
const kvRows = present
  ? readFileSync(tsv, 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t') as [string, string]).filter(([f]) => f.startsWith('kv/'))
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
      assert.ok(wit.window.some((c) => c.index === wit.stuck.index), 'the window holds the stuck call');
      assert.equal(wit.keys?.[0]?.key, wit.key, 'the stuck call\'s key comes first');
      // the stuck call's key really is not linearizable on its own
      const alone = checkLinearizable(h.ops.filter((o) => o.key === wit.key), { model: 'kv', initial: h.initial });
      assert.equal(alone.verdict, 'fail', `key ${wit.key} alone: ${alone.summary}`);
    } else {
      assert.ok(f.keys >= 10, `every key is in the one search (${f.keys})`);
    }
  });
}

// --- small literal histories ---------------------------------------------------

test('a valid history over three keys passes both ways', () => {
  const lines: Line[] = [
    ['i', 0, 'write', 'a', 1], ['i', 1, 'write', 'b', 2], ['ok', 0, 'write', 'a', 1], ['i', 2, 'read', 'b', null],
    ['ok', 1, 'write', 'b', 2], ['ok', 2, 'read', 'b', 2], ...r(0, 'a', 1), ...w(1, 'c', 3), ...r(2, 'c', 3),
    ['i', 0, 'append', 'a', 4], ['i', 1, 'read', 'a', null], ['ok', 1, 'read', 'a', 1], ['ok', 0, 'append', 'a', 4], ...r(2, 'b', 2),
  ];
  const { perKey, wholeMap } = both(hist(lines));
  assert.equal(perKey.verdict, 'pass', perKey.summary);
  assert.equal(wholeMap.verdict, 'pass', wholeMap.summary);
  assert.match(wholeMap.summary, /\(kv, whole map\): 3 key\(s\)/);
});

test('a stale read on one key among several fails both ways; the whole-map witness names that key', () => {
  const lines: Line[] = [...w(0, 'a', 1), ...w(1, 'b', 1), ...w(2, 'c', 1), ...w(0, 'b', 2), ...r(1, 'a', 1), ...r(2, 'c', 1), ...r(1, 'b', 1), ...r(0, 'a', 1)];
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
  // 12 concurrent writes on one key, one on another, then a read of a value nobody wrote
  const lines: Line[] = [];
  for (let p = 0; p < 12; p++) lines.push(['i', p, 'write', 'k', p, p]);
  lines.push(['i', 12, 'write', 'j', 7, 12]);
  for (let p = 0; p < 13; p++) lines.push(['ok', p, 'write', p === 12 ? 'j' : 'k', p === 12 ? 7 : p, 20 + p]);
  lines.push(['i', 99, 'read', 'k', null, 40], ['ok', 99, 'read', 'k', 99, 41]);
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

/** A small random history over 1-3 keys: reads, writes, appends, cas, deletes, some left open. */
function randomKv(seed: number): Op[] {
  const rand = rng(seed);
  const keys = ['a', 'b', 'c'].slice(0, 1 + Math.floor(rand() * 3));
  const calls = 3 + Math.floor(rand() * 7);
  const out: Line[] = [];
  const pending: Array<{ p: number; f: OpF; key: string; value: Op['value'] }> = [];
  let started = 0;
  let proc = 0;
  while (started < calls || pending.length > 0) {
    if (started < calls && (pending.length === 0 || rand() < 0.5)) {
      const x = rand();
      const f: OpF = x < 0.4 ? 'read' : x < 0.65 ? 'write' : x < 0.8 ? 'append' : x < 0.93 ? 'cas' : 'delete';
      const v = (): number => Math.floor(rand() * 3);
      const value: Op['value'] = f === 'write' || f === 'append' ? v() : f === 'cas' ? [rand() < 0.3 ? null : v(), v()] : null;
      const key = keys[Math.floor(rand() * keys.length)] as string;
      const p = proc++;
      out.push(['i', p, f, key, value]);
      pending.push({ p, f, key, value });
      started++;
    } else {
      const [c] = pending.splice(Math.floor(rand() * pending.length), 1);
      if (c === undefined) continue;
      const y = rand();
      const type = y < 0.2 ? 'info' : c.f === 'cas' && y < 0.55 ? 'fail' : 'ok';
      const read = (): Op['value'] => (rand() < 0.3 ? null : rand() < 0.5 ? Math.floor(rand() * 3) : [Math.floor(rand() * 3)]);
      out.push([type, c.p, c.f, c.key, c.f === 'read' ? read() : c.value]);
    }
  }
  return hist(out);
}

test('per key and as one map agree on 4000 small random multi-key histories', () => {
  const seen = { pass: 0, fail: 0 };
  for (let seed = 1; seed <= 4000; seed++) {
    const h = randomKv(seed);
    const { perKey, wholeMap } = both(h, { witness: false });
    assert.notEqual(perKey.verdict, 'unknown', `seed ${seed}`);
    assert.equal(wholeMap.verdict, perKey.verdict, `seed ${seed}: ${wholeMap.summary} / ${perKey.summary}\n${JSON.stringify(h)}`);
    seen[perKey.verdict as 'pass' | 'fail']++;
  }
  assert.ok(seen.pass > 400 && seen.fail > 400, `a mix of verdicts (${seen.pass} pass, ${seen.fail} fail)`);
});
