#!/usr/bin/env node
// Builds the installable package into dist/ (npm's `prepare`, so `npm pack`, `npm ci`
// and an install from git all run it): the sources compiled by tsc with type
// declarations (tsconfig.build.json: no tests, fixtures or benchmarks), the files
// the compiled code reads beside itself, and dist/package.json (version, ESM) for
// the code that reads `../../package.json` from where it sits.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
/** Non-TypeScript files the compiled code opens at run time, relative to the root. */
const ASSETS = ['harness/toxiproxy/native/forward.c'];

const t0 = performance.now();
const tsc = join(root, 'node_modules/typescript/bin/tsc');
if (!existsSync(tsc)) {
  // an install without devDependencies (npm ci --omit=dev) runs prepare too: the sources still run through tsx
  if (process.env['npm_lifecycle_event'] === 'prepare') {
    console.error('build: no TypeScript compiler (devDependencies left out): dist/ not built; `npm run gameday` runs the sources');
    process.exit(0);
  }
  console.error('build: no TypeScript compiler in node_modules: run npm install (with devDependencies) first');
  process.exit(2);
}
rmSync(dist, { recursive: true, force: true });
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
if (r.error || r.status !== 0) {
  console.error(r.error ? `build: cannot run tsc (${r.error.message}): run npm install first` : 'build: tsc -p tsconfig.build.json failed (see above)');
  process.exit(r.status || 2);
}
for (const a of ASSETS) {
  mkdirSync(dirname(join(dist, a)), { recursive: true });
  copyFileSync(join(root, a), join(dist, a));
}
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
writeFileSync(join(dist, 'package.json'), JSON.stringify({ name: `${pkg.name}-dist`, version: pkg.version, private: true, type: 'module' }, null, 2) + '\n');
console.error(`build: dist/ in ${Math.round(performance.now() - t0)} ms`);
