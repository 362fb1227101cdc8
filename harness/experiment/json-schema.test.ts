// experiments/schema.json is the JSON Schema generated from the zod schema, kept up
// to date (npm run schema), and it agrees with the zod schema on real files: every
// experiment and fixture passes it, a known-bad one does not. The JSON Schema is
// checked by turning it back into a validator (zod's fromJSONSchema), so what an
// editor is told is what is tested.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import { SCHEMA_FILE, jsonSchemaText } from './json-schema.ts';
import { parseExperiment } from './schema.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const committed = readFileSync(join(root, SCHEMA_FILE), 'utf8');
const fromJson = z.fromJSONSchema(JSON.parse(committed) as z.core.JSONSchema.JSONSchema);
const yamls = (dir: string): string[] =>
  readdirSync(join(root, dir))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => join(dir, f));
const files = [...yamls('experiments'), ...yamls('test/fixtures'), 'test/fixtures/own-target/game-day.yaml'];
const doc = (file: string): unknown => parse(readFileSync(join(root, file), 'utf8'));

test(`${SCHEMA_FILE} is what the zod schema generates (else: npm run schema)`, () => {
  assert.ok(committed === jsonSchemaText(), `${SCHEMA_FILE} is out of date: run npm run schema and commit it`);
});

test('every experiment and fixture passes the JSON Schema and the zod schema', () => {
  assert.ok(files.length >= 8, files.join(' '));
  for (const file of files) {
    const r = fromJson.safeParse(doc(file));
    assert.ok(r.success, `${file}: ${JSON.stringify(r.error?.issues)}`);
    assert.deepEqual(parseExperiment(doc(file), file).problems, [], file);
  }
});

test('the experiments under experiments/ name the schema for their editor', () => {
  for (const file of yamls('experiments')) assert.match(readFileSync(join(root, file), 'utf8'), /^# yaml-language-server: \$schema=\.\/schema\.json\n/, file);
});

test('a known-bad file is refused by both: unknown field, unknown fault kind, a link fault without its toxic, a duration that is not one', () => {
  const good = doc('experiments/power-off.yaml') as Record<string, unknown>;
  const bad: [string, Record<string, unknown>][] = [
    ['phasez', { ...good, phasez: { chaos: '3s' } }],
    ['faults[0].kind', { ...good, faults: [{ kind: 'power-of' }] }],
    ['faults[0].latency', { ...good, faults: [{ kind: 'latency', from: 'az1' }] }],
    ['canaries.timeout', { ...good, canaries: { timeout: 'soon' } }],
    ['faults[0].hold', { ...good, faults: [{ kind: 'power-off', hold: ['1s', '2s', '3s'] }] }],
    ['faults[0].target', { ...good, faults: [{ kind: 'latency', from: 'az1', latency: '1s', target: 'random-node' }] }],
    ['title', { faults: good['faults'] }],
  ];
  for (const [path, d] of bad) {
    assert.equal(fromJson.safeParse(d).success, false, `the JSON Schema refuses ${path}`);
    const problems = parseExperiment(d, 'bad.yaml').problems;
    assert.ok(
      problems.some((p) => p.path === path),
      `zod names ${path}: ${JSON.stringify(problems)}`,
    );
  }
});
