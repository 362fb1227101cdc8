import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Rng } from '../schedule/rng.ts';
import { readOpLine } from './edn-op-line.ts';
import type { Op } from './op.ts';
import { HistoryFormatError } from './read-error.ts';
import { ednLineToOp, readJepsenEdn } from './read-jepsen-edn.ts';

/** The line's Op, or its error's message, read with or without the fast path. */
function read(text: string, full: boolean): Op | string | undefined {
  try {
    return ednLineToOp(text, 7, 'h.edn', 1, 1e-6, full);
  } catch (err) {
    return (err as Error).message;
  }
}

test('the common op-map shape is read by the fast path, and as the full reader reads it', () => {
  const lines = [
    '{:type :invoke, :f :write, :value 3, :process 0, :time 12000000, :index 0}',
    '#jepsen.history.Op{:index 1, :time 2, :type :ok, :process 1, :f :cas, :value [1 2]}',
    '{:type :info, :f :read, :value :timed-out, :process 4, :time 5, :error :timeout}',
    '{:type :ok, :f :put, :key "k1", :value "v", :process 3}',
    '{:type :fail, :f :append, :key 7, :value [:a "b" nil -12], :process 2, :time 999999999999999}',
    '  { :process :nemesis , :type :info , :f :start , :value nil }  ',
  ];
  for (const l of lines) {
    assert.notEqual(readOpLine(l), undefined, l);
    assert.deepEqual(read(l, false), read(l, true), l);
  }
  assert.deepEqual(read(lines[1] as string, false), { index: 1, type: 'ok', f: 'cas', value: [1, 2], process: 1, time: 2e-6 });
  assert.equal(read(lines[5] as string, false), undefined); // the nemesis: not a client operation
});

test('anything unusual goes to the full reader: big integers, tags, escapes, sets, floats, comments', () => {
  const cases: [string, Op['value'] | string][] = [
    ['{:type :ok, :f :write, :value 9007199254740993N, :process 0}', '9007199254740993N'],
    ['{:type :ok, :f :write, :value 9007199254740993, :process 0}', '9007199254740993N'],
    ['{:type :ok, :f :write, :value 1234567890123456, :process 0}', 1234567890123456],
    ['{:type :ok, :f :write, :value "a \\"q\\" \\u00e9", :process 0}', 'a "q" é'],
    ['{:type :ok, :f :write, :value #inst "2024-01-02T03:04:05Z", :process 0}', '2024-01-02T03:04:05.000Z'],
    ['{:type :ok, :f :append, :value #{1}, :process 0}', [1]],
    ['{:type :ok, :f :write, :value 1.5, :process 0} ; a note', 1.5],
    ['#my.Op{:type :ok, :f :write, :value 2, :process 0}', 2],
  ];
  for (const [l, value] of cases) {
    assert.equal(readOpLine(l), undefined, l);
    const op = read(l, false);
    assert.ok(typeof op === 'object', `${l}: ${String(op)}`);
    assert.deepEqual(op.value, value, l);
  }
  // a repeated field: the full reader's answer (the last one)
  const dup = '{:type :ok, :f :write, :value 1, :value 2, :process 0}';
  assert.equal(readOpLine(dup), undefined);
  assert.equal((read(dup, false) as Op).value, 2);
});

test('on generated lines, common and not, the fast path gives what the full reader gives', () => {
  const r = new Rng(19);
  // values the fast path reads, and values it leaves to the full reader (or that are not EDN)
  const common = [
    'nil',
    'true',
    'false',
    ':ok',
    ':timed-out',
    ':a.b-c?',
    '0',
    '7',
    '-42',
    '123456789012345',
    '-999999999999999',
    '"s"',
    '""',
    '"é x"',
    '[1 2]',
    '[]',
    '[[1] :k "x" nil]',
  ];
  const unusual = [
    '-0',
    '01',
    '1234567890123456',
    '12N',
    '1.5',
    '2e3',
    ':a/b',
    '"a\\nb"',
    '"\\q"',
    '"unterminated',
    '#{1 2}',
    '(1 2)',
    '{:a 1}',
    '#inst "2024-01-01T00:00:00Z"',
    '#uuid "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"',
    'sym',
    '\\c',
    '##Inf',
    '[1 2',
    '1]',
    '#_ 1 2',
  ];
  const fields = [':type', ':f', ':value', ':process', ':time', ':index', ':key', ':error', ':other'];
  const oddFields = ['"type"', '1', ':ns/x', 'nil'];
  const types = [':invoke', ':ok', ':fail', ':info', ':bogus', '"ok"'];
  const fs = [':read', ':write', ':cas', ':get', ':put', ':append', ':add', ':delete', ':start', '"write"'];
  const space = [' ', ', ', ',', '  ', '\t'];
  let fast = 0;
  let fallback = 0;
  for (let n = 0; n < 4000; n++) {
    const parts: string[] = [];
    const value = (): string => (r.next() < 0.96 ? r.pick(common) : r.pick(unusual));
    for (const field of fields) {
      if (r.next() < 0.3 && field !== ':type' && field !== ':f' && field !== ':process') continue;
      const v =
        field === ':type' && r.next() < 0.9
          ? r.pick(types)
          : field === ':f' && r.next() < 0.9
            ? r.pick(fs)
            : field === ':process' && r.next() < 0.8
              ? String(r.int(0, 20))
              : value();
      parts.push(`${field} ${v}`);
    }
    if (r.next() < 0.05) parts.push(`${r.pick(oddFields)} ${value()}`);
    for (let i = parts.length - 1; i > 0; i--) {
      const j = r.int(0, i);
      [parts[i], parts[j]] = [parts[j] as string, parts[i] as string];
    }
    if (r.next() < 0.05) parts.push(parts[0] as string); // a repeated field
    const open = r.next() < 0.9 ? r.pick(['{', '#jepsen.history.Op{']) : r.pick(['#jepsen.history.Op {', '#x{', '[', '#jepsen.history.Op']);
    const close = r.next() < 0.9 ? '}' : r.pick([')', '', '} x', '} ;c', '}}', ']']);
    const line = `${r.pick(['', ' '])}${open}${parts.join(r.pick(space))}${close}`;
    if (readOpLine(line) === undefined) fallback++;
    else fast++;
    assert.deepEqual(read(line, false), read(line, true), line);
  }
  assert.ok(fast > 1000 && fallback > 1000, `both paths taken: ${fast} fast, ${fallback} full`);
});

test('malformed lines are refused with the file, the line and the column', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gameday-edn-bad-'));
  const good = '{:type :invoke, :f :write, :value 1, :process 0, :time 1, :index 0}';
  const bad: [string, RegExp][] = [
    ['{:type :ok, :f :write, :value 1, :process 0, :time 2, :index 1)', /:2: not EDN: unexpected "\)", expected "}" at column 63$/],
    ['{:type :ok, :f :write, :value 1, :process 0, :time 2', /:2: not EDN: missing "}" at column 53$/],
    ['{:type :ok, :f :write, :value "abc, :process 0}', /:2: not EDN: unterminated string at column 31$/],
    ['{:type :ok, :f :write, :value "a\\qb", :process 0}', /:2: not EDN: bad escape "\\q" in a string at column 33$/],
    ['{:type :ok, :f :write, :value 01, :process 0}', /:2: not EDN: bad number "01" at column 31$/],
    ['{:type :ok, :f :write, :value 1.2.3, :process 0}', /:2: not EDN: bad number "1.2.3" at column 31$/],
    ['{:type :ok, :f :write, :value, :process 0}', /:2: not EDN: map with an odd number of forms at column 42$/],
    ['{:type :ok, :f :write, :value [1 2}, :process 0}', /:2: not EDN: unexpected "}", expected "]" at column 35$/],
    ['{:type :ok, :f :write, :value ##Nan, :process 0}', /:2: not EDN: unknown symbolic value ##Nan at column 31$/],
    ['{:type :ok, :f :write, :value 1, :process 0} {:type :ok}', /:2: not EDN: trailing text after the form at column 57$/],
    ['#jepsen.history.Op', /:2: not EDN: no form at column 19$/],
  ];
  for (const [line, re] of bad) {
    const p = join(dir, 'history.edn');
    writeFileSync(p, `${good}\n${line}\n${good}\n`);
    assert.throws(
      () => readJepsenEdn(p),
      (e: unknown) => e instanceof HistoryFormatError && e.line === 2 && re.test(e.message),
      `${line}: ${String(read(line, false))}`,
    );
  }
});
