import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { programArgs, programModule } from './program.ts';

const root = mkdtempSync(join(tmpdir(), 'gameday-program-'));
mkdirSync(join(root, 'targets/t'), { recursive: true });
writeFileSync(join(root, 'targets/t/node-main.ts'), "const n: number = 2; console.log('ts', n);\n");
writeFileSync(join(root, 'targets/t/node-main.js'), "console.log('js');\n");
writeFileSync(join(root, 'targets/t/only-source.ts'), "const n: number = 3; console.log('only', n);\n");

test('from the sources, a program named by its .ts runs through tsx', () => {
  const args = programArgs('targets/t/node-main.ts', root, false);
  assert.equal(args[0], '--import');
  assert.match(args[1] as string, /^file:.*tsx/);
  assert.equal(args[2], join(root, 'targets/t/node-main.ts'));
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  assert.equal(r.stdout.trim(), 'ts 2', r.stderr);
});

test('compiled, the same name runs its .js with plain Node; a .ts with no .js twin still goes through tsx', () => {
  assert.deepEqual(programArgs('targets/t/node-main.ts', root, true), [join(root, 'targets/t/node-main.js')]);
  assert.equal(spawnSync(process.execPath, programArgs('targets/t/node-main.ts', root, true), { encoding: 'utf8' }).stdout.trim(), 'js');
  assert.equal(programModule('targets/t/only-source.ts', root, true), join(root, 'targets/t/only-source.ts'));
  const r = spawnSync(process.execPath, programArgs(join(root, 'targets/t/only-source.ts'), root, true), { encoding: 'utf8' });
  assert.equal(r.stdout.trim(), 'only 3', r.stderr);
});
