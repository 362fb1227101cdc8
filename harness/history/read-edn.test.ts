import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { EdnError, EdnSymbol, Keyword, Tagged, ednToPlain, parseEdn } from './read-edn.ts';
import { HistoryFormatError } from './read-error.ts';
import { detectFormat, readHistory } from './read-history.ts';

test('EDN integers past 2^53 stay exact, with and without N', () => {
  assert.equal(parseEdn('9007199254740993N'), 9007199254740993n);
  assert.equal(parseEdn('9007199254740993'), 9007199254740993n);
  assert.equal(parseEdn('-9223372036854775808'), -9223372036854775808n);
  assert.equal(parseEdn('9007199254740991'), 9007199254740991); // the largest exact number stays a number
  assert.equal(parseEdn('12N'), 12n);
  assert.equal(ednToPlain(parseEdn('12N')), 12);
  assert.equal(ednToPlain(parseEdn('9007199254740993N')), '9007199254740993N');
  assert.notEqual(ednToPlain(parseEdn('9007199254740993N')), ednToPlain(parseEdn('9007199254740992N')));
  assert.equal(parseEdn('1.5M'), 1.5);
  assert.equal(parseEdn('-2.5e3'), -2500);
  assert.deepEqual(parseEdn('[##Inf ##-Inf ##NaN]'), [Infinity, -Infinity, NaN]);
});

test('EDN tagged literals: #inst is a Date, #uuid its text, other tags kept with their value', () => {
  const d = parseEdn('#inst "2024-01-02T03:04:05.123Z"');
  assert.ok(d instanceof Date);
  assert.equal(d.toISOString(), '2024-01-02T03:04:05.123Z');
  assert.equal(parseEdn('#uuid "F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6"'), 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6');
  const t = parseEdn('#my.app/point [1 2]');
  assert.ok(t instanceof Tagged);
  assert.equal(t.tag, 'my.app/point');
  assert.deepEqual(t.value, [1, 2]);
  assert.throws(
    () => parseEdn('#inst "yesterday"'),
    (e: unknown) => e instanceof EdnError && /#inst/.test(e.message),
  );
  assert.throws(() => parseEdn('#uuid "nope"'), EdnError);
});

test('EDN nested maps, sets, lists, vectors, keywords, symbols, strings, characters, comments, discards', () => {
  const m = parseEdn('{:a {:b #{1 [2 #{3}]}}, "s" (x y), 7 \\c} ; note\n #_ :gone');
  assert.ok(m instanceof Map);
  const a = m.get('a');
  assert.ok(a instanceof Map);
  const b = a.get('b');
  assert.ok(b instanceof Set);
  assert.equal(b.size, 2);
  const list = m.get('"s"');
  assert.ok(Array.isArray(list) && list[0] instanceof EdnSymbol);
  assert.equal(m.get('7'), 'c');
  assert.deepEqual(ednToPlain(m), { a: { b: [1, [2, [3]]] }, '"s"': ['x', 'y'], 7: 'c' });
  assert.ok(parseEdn(':ns/kw') instanceof Keyword);
  assert.equal(parseEdn('"a \\"q\\" \\n b \\u00e9"'), 'a "q" \n b é');
  assert.deepEqual(parseEdn('[#_ 1 2 #_ #_ 3 4 5]'), [2, 5]);
  assert.deepEqual(parseEdn('[nil true false]'), [null, true, false]);
  assert.ok(parseEdn('constructor') instanceof EdnSymbol);
});

test('malformed EDN is an EdnError naming what and where', () => {
  const bad: [string, RegExp][] = [
    ['{:a 1', /missing "}"/],
    ['{:a}', /odd number/],
    ['{:a 1)', /unexpected "\)", expected "}"/],
    ['[1 2)', /expected "]"/],
    [']', /unexpected "]"/],
    ['"abc', /unterminated string at column 1/],
    ['{:a 1} x', /trailing text/],
    ['', /no form/],
    ['#_ 1', /no form/],
    ['[1 #_]', /#_ with no form/],
    ['#foo', /no form/],
    ['01', /bad number "01"/],
    ['"\\q"', /escape/],
    ['##Infinity', /unknown symbolic value ##Infinity/],
  ];
  for (const [text, re] of bad)
    assert.throws(
      () => parseEdn(text),
      (e: unknown) => e instanceof EdnError && re.test(e.message),
      text,
    );
});

test('Jepsen history as records (#jepsen.history.Op{...}) with #inst, big integers and sets in values', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gameday-edn-'));
  const p = join(dir, 'history.edn');
  writeFileSync(
    p,
    [
      '#jepsen.history.Op{:index 0, :time 1000000, :type :invoke, :process 0, :f :write, :value 9007199254740993N, :at #inst "2024-05-01T00:00:00Z"}',
      '#jepsen.history.Op{:index 1, :time 2000000, :type :ok, :process 0, :f :write, :value 9007199254740993N}',
      '#jepsen.history.Op{:index 2, :time 3000000, :type :info, :process :nemesis, :f :start, :value #{"n1" "n2"}}',
      '{:index 3, :time 4000000, :type :invoke, :process 1, :f :read, :value nil}',
      '{:index 4, :time 5000000, :type :ok, :process 1, :f :read, :value 9007199254740993}',
    ].join('\n'),
  );
  assert.equal(detectFormat(p), 'jepsen-edn');
  const h = readHistory(p);
  assert.deepEqual(
    h.ops.map((o) => [o.index, o.type, o.f, o.value, o.time]),
    [
      [0, 'invoke', 'write', '9007199254740993N', 1],
      [1, 'ok', 'write', '9007199254740993N', 2],
      [3, 'invoke', 'read', null, 4],
      [4, 'ok', 'read', '9007199254740993N', 5],
    ],
  );
  writeFileSync(p, '{:index 0, :time 1, :type :invoke, :process 0, :f :write, :value 1}\n{:index 1, :time 2, :type :ok, :process 0, :f :write :value 1\n');
  assert.throws(
    () => readHistory(p, 'jepsen-edn'),
    (e: unknown) => e instanceof HistoryFormatError && e.line === 2 && /missing "}"/.test(e.message),
  );
});
