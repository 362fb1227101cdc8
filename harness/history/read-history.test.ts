import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Keyword, ednToPlain, parseEdn } from './read-edn.ts';
import { HistoryFormatError } from './read-error.ts';
import { detectFormat, readHistory } from './read-history.ts';

const dir = mkdtempSync(join(tmpdir(), 'gameday-read-'));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

test('EDN: maps, keywords, vectors, strings, nil, numbers, sets, comments', () => {
  const m = parseEdn('{:type :invoke, :f :cas, :value [1 "two" nil], :n -3.5, :s #{1 2} ; note\n}');
  assert.ok(m instanceof Map);
  assert.ok(m.get('type') instanceof Keyword);
  assert.deepEqual(ednToPlain(m), { type: 'invoke', f: 'cas', value: [1, 'two', null], n: -3.5, s: [1, 2] });
  assert.equal(parseEdn('"a \\"q\\" \\n b"'), 'a "q" \n b');
  assert.throws(() => parseEdn('{:a 1'), /missing "}"/);
  assert.throws(() => parseEdn('{:a}'), /odd number/);
});

test('gameday ndjson: reads ops, names the line of a bad one', () => {
  const p = file(
    'h.ndjson',
    '{"index":0,"type":"invoke","f":"write","key":"k","value":1,"process":0,"time":1.5}\n{"type":"ok","f":"write","key":"k","value":1,"process":0,"time":2}\n',
  );
  assert.equal(detectFormat(p), 'gameday');
  const h = readHistory(p);
  assert.equal(h.ops.length, 2);
  assert.equal(h.ops[1]?.index, 1);
  const bad = file('bad.ndjson', '{"type":"ok","f":"write","value":1,"process":0,"time":2}\n{"type":"done","f":"write","process":0,"time":3}\n');
  assert.throws(
    () => readHistory(bad),
    (e: unknown) => e instanceof HistoryFormatError && e.line === 2 && /type/.test(e.message),
  );
});

test('jepsen history.edn: nanoseconds to ms, nemesis skipped, keyword values dropped', () => {
  const p = file(
    'history.edn',
    [
      '{:type :invoke, :f :write, :value 3, :process 0, :time 12000000, :index 0}',
      '{:type :info, :f :start, :value nil, :process :nemesis, :time 13000000, :index 1}',
      '{:type :info, :f :write, :value :timed-out, :process 0, :time 14000000, :index 2}',
      '{:type :invoke, :f :cas, :value [3 4], :process 1, :time 15000000, :index 3}',
    ].join('\n'),
  );
  assert.equal(detectFormat(p), 'jepsen-edn');
  const h = readHistory(p);
  assert.equal(h.model, 'cas-register');
  assert.deepEqual(
    h.ops.map((o) => [o.type, o.f, o.value, o.time]),
    [
      ['invoke', 'write', 3, 12],
      ['info', 'write', null, 14],
      ['invoke', 'cas', [3, 4], 15],
    ],
  );
});

test('porcupine etcd log: noise skipped, timed-out read becomes info, position is time', () => {
  const p = file(
    'etcd.log',
    [
      '2014-11-10 INFO  jepsen.core - noise',
      'INFO  jepsen.util - 4\t:invoke\t:read\tnil',
      'INFO  jepsen.util - 4   :fail   :read   :timed-out',
      'INFO  jepsen.util - 2\t:invoke\t:cas\t[2 4]',
      'INFO  jepsen.util - 2\t:fail\t:cas\t[2 4]',
    ].join('\n'),
  );
  assert.equal(detectFormat(p), 'porcupine-etcd');
  const h = readHistory(p);
  assert.equal(h.model, 'cas-register');
  assert.deepEqual(
    h.ops.map((o) => [o.type, o.f, o.value, o.time]),
    [
      ['invoke', 'read', null, 0],
      ['info', 'read', null, 1],
      ['invoke', 'cas', [2, 4], 2],
      ['fail', 'cas', [2, 4], 3],
    ],
  );
});

test('porcupine kv: get / put / append with keys, empty-string initial state', () => {
  const p = file('c01.txt', '{:process 0, :type :invoke, :f :get, :key "5", :value nil}\n{:process 0, :type :ok, :f :get, :key "5", :value ""}\n');
  assert.equal(detectFormat(p), 'porcupine-kv');
  const h = readHistory(p);
  assert.equal(h.initial, '');
  assert.deepEqual(
    h.ops.map((o) => [o.type, o.f, o.key, o.value]),
    [
      ['invoke', 'read', '5', null],
      ['ok', 'read', '5', ''],
    ],
  );
});

test('an unrecognisable file asks for --format', () => {
  assert.throws(() => detectFormat(file('x.txt', 'hello\n')), /--format/);
});
