// A target module's options schema: options it refuses end the run before anything
// starts, each named as target.options.<field> with a fix; what it outputs is what
// the factory and topology() get. Modules without a schema keep checking their own.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../cli/errors.ts';
import { parseExperiment } from '../experiment/schema.ts';
import { loadTarget } from './load-target.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const file = join(here, 'fixtures', 'game-day.yaml'); // modules resolve from this file's folder; it need not exist
const own = join(here, '..', '..', 'test', 'fixtures', 'own-target', 'game-day.yaml');

const load = (module: string, options?: unknown, at = file) => {
  const { experiment, problems } = parseExperiment(
    { title: 't', target: { module, ...(options !== undefined ? { options } : {}) }, faults: [{ kind: 'power-off', hold: '1s' }] },
    at,
  );
  assert.deepEqual(problems, []);
  return loadTarget(experiment!, at);
};
const refused = async (module: string, options: unknown): Promise<string> => {
  const err = await load(module, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof UsageError, `refused: ${String(err)}`);
  return err.message;
};

test('a zod options schema exported beside the factory: defaults filled in, the factory gets its output', async () => {
  const { target, options } = await load('./zod-options-target.ts');
  assert.deepEqual(options, { frontends: 2, region: 'local' });
  assert.equal(target.topology(options).nodes.length, 3);
  const one = await load('./zod-options-target.ts', { frontends: 1, region: 'eu' });
  assert.deepEqual(one.target.topology(one.options).azs, ['az1', 'az2']);
  assert.equal(one.target.topology(one.options).region, 'eu');
});

test('options the zod schema refuses: every field named under target.options, with a fix', async () => {
  const msg = await refused('./zod-options-target.ts', { frontends: 9, regoin: 'eu', 'data-dir': 5 });
  assert.match(msg, /^3 problems with the target's options:/);
  assert.match(msg, /game-day\.yaml: target\.options\.frontends: must be 1 or 2\n {4}fix: write frontends: 2/);
  assert.match(msg, /target\.options\.regoin: unknown field "regoin"\n {4}fix: did you mean "region"\? \(allowed: frontends, region, data-dir\)/);
  assert.match(msg, /target\.options\.data-dir: must be a string, got 5\n {4}fix: quote the text/);
  assert.match(
    await refused('./zod-options-target.ts', { frontends: 1.5 }),
    /target\.options\.frontends: must be a whole number, got 1\.5\n {4}fix: drop the fraction/,
  );
});

test('a Target carrying its own optionsSchema: topology() gets the output, refused options are named', async () => {
  const { target, options } = await load('./schema-on-target.ts');
  assert.deepEqual(options, { members: 3 });
  assert.equal(target.topology(options).nodes.length, 3);
  assert.match(await refused('./schema-on-target.ts', { members: 4 }), /target\.options\.members: unknown value 4\n {4}fix: use one of: 1, 3, 5/);
  assert.match(await refused('./schema-on-target.ts', { member: 3 }), /target\.options\.member: unknown field "member"\n {4}fix: did you mean "members"\?/);
});

test('a module without a schema still checks its options itself (the README example)', async () => {
  const { options } = await load('./my-target.ts', { frontends: 2 }, own);
  assert.deepEqual(options, { frontends: 2 });
  const err = await load('./my-target.ts', { frontends: 9 }, own).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof UsageError);
  assert.match(err.message, /target\.options\.frontends: must be 1 or 2, got 9\n {4}fix: write frontends: 2/);
});

test('any Standard Schema will do: its messages as they are, a "(fix: ...)" as the fix', async () => {
  assert.deepEqual((await load('./standard-schema-target.ts')).options, { size: 1 });
  const msg = await refused('./standard-schema-target.ts', { size: 0 });
  assert.match(msg, /target\.options\.size: must be a positive number\n {4}fix: write size: 1/);
  assert.match(msg, /target\.options: is odd\n {4}fix: see the target's documentation of its options/);
});

test('an `options` export that is not a schema is named', async () => {
  assert.match(await refused('./not-a-schema-target.ts', {}), /exports options, but not as a schema/);
});
