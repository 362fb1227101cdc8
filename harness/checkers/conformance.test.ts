// Every history in ../shared/testdata/porcupine gets the verdict Porcupine's own tests
// assert for it (expected.tsv). CI clones the repo beside ../shared; without it these
// tests are skipped, saying why.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { readHistory } from '../history/read-history.ts';
import { checkLinearizable } from './linearizable.ts';
import type { LinWitness } from './lin-witness.ts';

const dir = fileURLToPath(new URL('../../../shared/testdata/porcupine/', import.meta.url));
const tsv = `${dir}expected.tsv`;
const present = existsSync(tsv);
const rows = present
  ? readFileSync(tsv, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split('\t') as [string, string])
  : [];

test('porcupine conformance data is present', (t) => {
  if (!present) t.skip(`${dir} is absent (clone the shared data beside the repo to run the conformance tests)`);
  else assert.ok(rows.length >= 56, `expected.tsv lists ${rows.length} files`);
});

for (const [file, expected] of rows) {
  test(`${file} is ${expected === 'true' ? '' : 'not '}linearizable`, () => {
    const h = readHistory(dir + file);
    const r = checkLinearizable(h.ops, { model: h.model, initial: h.initial, timeoutMs: 30_000 });
    assert.equal(r.verdict, expected === 'true' ? 'pass' : 'fail', r.summary);
    if (r.verdict === 'fail') {
      const w = r.details?.['witness'] as LinWitness;
      assert.ok(w.window.length > 0 && w.window.some((c) => c.index === w.stuck.index), 'the window holds the call that cannot be ordered');
    }
  });
}
