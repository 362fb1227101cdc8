// test: alone (runs game days or containers; see test/run-tests.mjs)
// The third way to set up (README): `npm pack`, install the tarball in an empty
// folder, and use the compiled package as a user would: `npx gameday`, a game day,
// `gameday check`, and the typed `gameday/checkers` API from TypeScript and from JS.
// Dependencies come from npm's cache (`npm ci` filled it), so nothing is downloaded.
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { dockerAvailable } from '../harness/providers/docker/runtime.ts';
import { repoRoot } from './cli.ts';

const docker = await dockerAvailable();
const work = mkdtempSync(join(tmpdir(), 'gameday-packed-'));
const app = join(work, 'app');
let tarball = '';

function sh(cmd: string, args: readonly string[], cwd: string, timeoutMs = 180_000): SpawnSyncReturns<string> {
  // no tsx, no repository on the way: only what the tarball installed
  const env = { ...process.env, NODE_OPTIONS: '', npm_config_update_notifier: 'false' };
  return spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: timeoutMs });
}
const said = (r: SpawnSyncReturns<string>): string => `exit ${r.status}\n${r.stdout}\n${r.stderr}`;

before(() => {
  const pack = sh('npm', ['pack', '--json', '--pack-destination', work], repoRoot);
  assert.equal(pack.status, 0, said(pack));
  const [info] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  assert.ok(info);
  tarball = join(work, info.filename);
  const paths = info.files.map((f) => f.path);
  assert.ok(paths.includes('dist/harness/cli/gameday.js'), 'the compiled CLI is in the tarball');
  assert.deepEqual(
    paths.filter((p) => /\.test\.|(^|\/)test\/|fixtures\/|\.ts$/.test(p) && !p.endsWith('.d.ts')),
    [],
    'no tests, fixtures or TypeScript sources',
  );
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  const inst = sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], app);
  assert.equal(inst.status, 0, said(inst));
});
after(() => rmSync(work, { recursive: true, force: true }));

test('npx gameday --help runs the compiled CLI', () => {
  const r = sh('npx', ['--no-install', 'gameday', '--help'], app);
  assert.equal(r.status, 0, said(r));
  assert.match(r.stdout, /gameday check <path>/);
  assert.match(r.stdout, /gameday run/);
  const bin = readFileSync(join(app, 'node_modules/.bin/gameday'), 'utf8');
  assert.match(bin, /^#!\/usr\/bin\/env node/);
  assert.doesNotMatch(bin, /^import[^;]*from ['"]tsx/m, 'no TypeScript loader up front: tsx is loaded for `run` only (a target module may be TypeScript)');
});

test('gameday check from the package: 0 on a valid history, 1 on a stale read', () => {
  // the reads are the harness's final reads, as a run writes them, so that lost-writes can decide too
  const op = (index: number, type: string, f: string, value: number | null, process: number) =>
    JSON.stringify({ index, type, f, key: 'k', value, process, time: index, ...(f === 'read' ? { final: true } : {}) });
  writeFileSync(
    join(app, 'ok.ndjson'),
    [op(0, 'invoke', 'write', 1, 0), op(1, 'ok', 'write', 1, 0), op(2, 'invoke', 'read', null, 1), op(3, 'ok', 'read', 1, 1)].join('\n') + '\n',
  );
  writeFileSync(
    join(app, 'bad.ndjson'),
    [
      op(0, 'invoke', 'write', 1, 0),
      op(1, 'ok', 'write', 1, 0),
      op(2, 'invoke', 'write', 2, 0),
      op(3, 'ok', 'write', 2, 0),
      op(4, 'invoke', 'read', null, 1),
      op(5, 'ok', 'read', 1, 1),
    ].join('\n') + '\n',
  );
  const ok = sh(join(app, 'node_modules/.bin/gameday'), ['check', 'ok.ndjson'], app);
  assert.equal(ok.status, 0, said(ok));
  assert.match(ok.stdout, /verdict: pass/);
  const bad = sh(join(app, 'node_modules/.bin/gameday'), ['check', 'bad.ndjson'], app);
  assert.equal(bad.status, 1, said(bad));
  assert.match(bad.stdout, /FAIL\s+linearizable/);
});

test('gameday run from the package starts the reference cluster from compiled JavaScript', { timeout: 180_000 }, () => {
  const out = join(work, 'run');
  // the end-to-end tests' short power-off game day, run by the installed package
  const experiment = join(repoRoot, 'test/fixtures/short-power-off.yaml');
  const r = sh(join(app, 'node_modules/.bin/gameday'), ['run', experiment, '--seed', '7', '--out', out, '--quiet'], app);
  assert.ok(r.status === 0 || r.status === 1, `a verdict, not a crash or a usage error: ${said(r)}`);
  const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as { checks: { name: string; verdict: string }[]; figures: { operations: number } };
  // the checks of the data: what a cluster that did not start, or a node that did not run, would fail
  // (alarms and availability also weigh how busy the machine was, which is not what this test is about)
  const verdicts = Object.fromEntries(result.checks.map((c) => [c.name, c.verdict]));
  assert.deepEqual([verdicts['lost-writes'], verdicts['linearizable'], verdicts['replicas-agree']], ['pass', 'pass', 'pass'], said(r));
  assert.ok(result.figures.operations > 0);
  assert.ok(readdirSync(join(out, 'nodes')).length >= 9, 'every node of the reference cluster had a folder');
});

test('gameday run --provider docker from the package: node images bundled from the compiled JavaScript', { timeout: 300_000 }, (t) => {
  if (!docker.ok) return t.skip(`docker not available: ${docker.reason}`);
  const out = join(work, 'docker-run');
  const r = sh(
    join(app, 'node_modules/.bin/gameday'),
    ['run', join(repoRoot, 'test/fixtures/short-power-off.yaml'), '--provider', 'docker', '--seed', '5', '--out', out, '--quiet'],
    app,
    280_000,
  );
  assert.ok(r.status === 0 || r.status === 1, `a verdict, not a crash or a usage error: ${said(r)}`);
  const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as { provider: string; checks: { name: string; verdict: string }[] };
  assert.equal(result.provider, 'docker');
  const verdicts = Object.fromEntries(result.checks.map((c) => [c.name, c.verdict]));
  assert.deepEqual([verdicts['lost-writes'], verdicts['linearizable'], verdicts['replicas-agree']], ['pass', 'pass', 'pass'], said(r));
});

test("a target module of the user's own, in TypeScript beside its experiment, type-checks against the package and runs from it", { timeout: 180_000 }, () => {
  const own = join(work, 'own-target');
  cpSync(join(repoRoot, 'test/fixtures/own-target'), own, { recursive: true });
  // its types from the installed package (node_modules is found above the folder)
  const ownApp = join(app, 'own-target');
  cpSync(own, ownApp, { recursive: true });
  writeFileSync(
    join(ownApp, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'es2022',
        lib: ['esnext'],
        module: 'nodenext',
        moduleResolution: 'nodenext',
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        typeRoots: [join(repoRoot, 'node_modules/@types')],
        types: ['node'],
      },
      files: ['my-target.ts'],
    }),
  );
  const tsc = sh(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', ownApp], ownApp);
  assert.equal(tsc.status, 0, said(tsc));
  const out = join(work, 'own-run');
  const r = sh(join(app, 'node_modules/.bin/gameday'), ['run', join(ownApp, 'game-day.yaml'), '--seed', '3', '--out', out, '--quiet'], app);
  assert.ok(r.status === 0 || r.status === 1, `a verdict, not a crash or a usage error: ${said(r)}`);
  const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as { target: { name: string }; checks: { name: string; verdict: string }[] };
  assert.equal(result.target.name, 'tiny-kv');
  const verdicts = Object.fromEntries(result.checks.map((c) => [c.name, c.verdict]));
  assert.deepEqual([verdicts['lost-writes'], verdicts['linearizable']], ['pass', 'pass'], said(r));
});

test('gameday/checkers is typed for TypeScript and runs from JavaScript', () => {
  writeFileSync(
    join(app, 'use.ts'),
    [
      "import { checkLinearizable, readHistory, type CheckResult, type Op } from 'gameday/checkers';",
      "import type { Target } from 'gameday';",
      "const ops: Op[] = readHistory('ok.ndjson').ops;",
      "const r: CheckResult = checkLinearizable(ops, { model: 'kv' });",
      '// @ts-expect-error a model the checker does not know is a type error',
      "checkLinearizable(ops, { model: 'queue' });",
      "export const name: Target['name'] = r.verdict;",
    ].join('\n'),
  );
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'es2022',
        lib: ['esnext'],
        module: 'nodenext',
        moduleResolution: 'nodenext',
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: [],
      },
      files: ['use.ts'],
    }),
  );
  const tsc = sh(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', app], app);
  assert.equal(tsc.status, 0, said(tsc));
  const js = sh(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      "import { checkLinearizable, readHistory } from 'gameday/checkers'; console.log(checkLinearizable(readHistory('ok.ndjson').ops, { model: 'kv' }).verdict);",
    ],
    app,
  );
  assert.equal(js.status, 0, said(js));
  assert.equal(js.stdout.trim(), 'pass');
});
