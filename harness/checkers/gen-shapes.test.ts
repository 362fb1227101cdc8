// The generated families of the benchmark, small: each linearizable version passes and
// each violating one fails, read back through the Porcupine formats they are written in.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readHistory } from '../history/read-history.ts';
import { casChain, kvShared, longRegister } from './gen-shapes.ts';
import { checkLinearizable } from './linearizable.ts';

const dir = mkdtempSync(join(tmpdir(), 'gameday-shapes-'));

function verdict(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  const h = readHistory(f);
  return checkLinearizable(h.ops, { model: h.model, initial: h.initial, timeoutMs: 20_000 }).verdict;
}

for (const bad of [false, true]) {
  const want = bad ? 'fail' : 'pass';
  test(`cas chains of 7, 16 and 30 concurrent cas: ${want}`, () => {
    for (const n of [7, 16, 30]) assert.equal(verdict(`cas${n}-${bad}.log`, casChain(n, { seed: n, bad })), want, `${n} cas`);
  });
  test(`one key, 4 and 16 clients, 4000 lines, no open calls: ${want}`, () => {
    for (const c of [4, 16]) assert.equal(verdict(`long${c}-${bad}.log`, longRegister(4000, c, { seed: c, bad })), want, `${c} clients`);
  });
  test(`kv, 50 clients on 10 keys, 1000 lines: ${want}`, () => {
    assert.equal(verdict(`kv-${bad}.txt`, kvShared(1000, 50, 10, { seed: 3, bad })), want);
  });
}
