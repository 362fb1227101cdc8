#!/usr/bin/env node
// The project's test command (`npm test`): type-check, then run every *.test.ts
// under the source folders with node's own test runner (Node 20's `node --test`
// does not expand globs, so the files are listed here).
// `npm test -- harness/checkers` runs only the tests under the given paths;
// `--except PATH` (repeatable) leaves out the tests under PATH.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const roots = ['harness', 'canaries', 'targets', 'dashboards', 'experiments', 'test'];

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

const argv = process.argv.slice(2);
const excepts = [];
const filters = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--except') {
    if (argv[i + 1] === undefined) {
      console.error('--except needs a path: npm test -- --except test/');
      process.exit(2);
    }
    excepts.push(argv[++i].replace(/^\.\//, ''));
  } else filters.push(argv[i]);
}
let files = roots.flatMap((r) => {
  try {
    return walk(join(root, r), []);
  } catch {
    return [];
  }
});
if (filters.length > 0) files = files.filter((f) => filters.some((x) => f.startsWith(x.replace(/^\.\//, ''))));
if (excepts.length > 0) files = files.filter((f) => !excepts.some((x) => f.startsWith(x)));
files.sort();

if (filters.length === 0 && excepts.length === 0) {
  const tc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', root], { stdio: 'inherit', cwd: root });
  if (tc.status !== 0) {
    console.error('type-check failed (tsc -p .)');
    process.exit(tc.status ?? 1);
  }
}
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ') || '(all)'}`);
  process.exit(2);
}
// Files that run game days say so in their first lines: `// test: game-days` (local
// processes) and `// test: alone` (containers, or local and docker game days in one
// file) run one at a time after the unit tests: two game days at once on a 2-core
// machine starve each other's canaries and clusters (calls start late, baselines and
// partitions miss their windows) for reasons that have nothing to do with the code.
const head = (f) => readFileSync(join(root, f), 'utf8').slice(0, 4000);
const alone = (f) => head(f).includes('// test: alone');
const gameDays = (f) => head(f).includes('// test: game-days');
const passes = [
  { files: files.filter((f) => !alone(f) && !gameDays(f)), concurrency: 2 },
  { files: files.filter((f) => gameDays(f) && !alone(f)), concurrency: 1 },
  { files: files.filter(alone), concurrency: 1 },
].filter((p) => p.files.length > 0);
let status = 0;
for (const p of passes) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${p.concurrency}`, '--test-reporter=spec', ...p.files], {
    stdio: 'inherit',
    cwd: root,
    env: { ...process.env, GAMEDAY_TEST: '1' },
  });
  if (r.status !== 0) status = r.status ?? 1;
}
process.exit(status);
