// test: alone (runs game days or containers; see test/run-tests.mjs)
// A target of the user's own, written outside the repository (it imports only types
// from gameday), named in an experiment file: a game day runs on it with no change to
// gameday; everything wrong with such a module is exit 2 with the field named.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { FaultRecord } from '../harness/faults/journal.ts';
import type { Op } from '../harness/history/op.ts';
import type { RunResult } from '../harness/runner/result.ts';
import { calls, lines } from './run-folder.ts';
import { gameday, repoRoot } from './cli.ts';
import { execFileSync } from 'node:child_process';
import { dockerAvailable } from '../harness/providers/docker/runtime.ts';

const env = { GAMEDAY_STATE_DIR: join(tmpdir(), 'gameday-e2e-state') };
const own = mkdtempSync(join(tmpdir(), 'gameday-own-target-'));
cpSync(join(repoRoot, 'test/fixtures/own-target'), own, { recursive: true });
const experiment = join(own, 'game-day.yaml');

test("a game day on a target module of the user's own, outside the repository: power-offs by role, every check it promises", { timeout: 120_000 }, async () => {
  assert.match(
    readFileSync(join(own, 'my-target.ts'), 'utf8'),
    /^import type \{ NodeInfo, Target, TargetFactory \} from 'gameday';$/m,
    'the module imports only types from gameday',
  );
  const out = join(own, 'run');
  const r = await gameday(['run', experiment, '--seed', '3', '--out', out, '--quiet'], { env });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as RunResult;
  assert.equal(result.target.name, 'tiny-kv');
  assert.deepEqual(
    result.checks.map((c) => [c.name, c.verdict]),
    [
      ['lost-writes', 'pass'],
      ['linearizable', 'pass'],
      ['availability', 'pass'],
      ['alarms', 'pass'],
    ],
  );
  assert.match(result.warnings.join('\n'), /target tiny-kv offers no replica digests: check replicas-agree does not run/);
  // role:primary and random-frontend picked the nodes of those roles, and each fault hurt its customers
  assert.deepEqual(
    result.faults.map((f) => `${f.kind} ${f.nodes.join()}`),
    ['power-off primary', `power-off ${result.faults[1]?.nodes[0]}`, 'partition primary'],
  );
  assert.match(result.faults[1]?.nodes[0] ?? '', /^frontend-az[23]$/);
  assert.ok(
    result.faults.every((f) => (f.firstErrorAfterMs ?? Infinity) < 2000),
    JSON.stringify(result.faults),
  );
  // the partition cut the frontends off the primary's named port "internal" (their link goes through the fault proxy),
  // while az1's own canaries kept reaching the primary
  // from when every toxic is in place to the frontends' own 1 s timeout (and some) before the heal begins
  const journal = lines<FaultRecord>(join(out, 'faults.ndjson')).filter((f) => f.id === result.faults[2]?.id);
  const inPlace = journal.find((f) => f.event === 'inject')?.time ?? Infinity;
  const heal = journal.find((f) => f.event === 'heal');
  const during = calls(lines<Op>(join(out, 'history.ndjson'))).filter(
    (c) => c.invoke.time >= inPlace && c.invoke.time < (heal?.time ?? 0) - (heal?.tookMs ?? 0) - 1500,
  );
  const viaFrontend = during.filter((c) => c.invoke.az === 'az3' && c.invoke.endpoint === 'frontend-az3');
  const local = during.filter((c) => c.invoke.az === 'az1' && c.invoke.endpoint === 'primary');
  assert.ok(
    viaFrontend.length >= 5 && viaFrontend.every((c) => c.done.type !== 'ok'),
    `az3 → frontend-az3 during the cut: ${viaFrontend.map((c) => c.done.type).join(' ')}`,
  );
  assert.ok(local.length >= 5 && local.every((c) => c.done.type === 'ok'), `az1 → primary during the cut: ${local.map((c) => c.done.type).join(' ')}`);
  // the primary really was SIGKILLed and came back on its own write-ahead log
  assert.ok(existsSync(join(out, 'nodes', 'primary', 'data', 'wal.ndjson')));
});

const docker = await dockerAvailable();
test("the same target module on docker: each node in a container (an image of the host's node binary, its script mounted read-only), named ports, every check passes, nothing left", {
  skip: docker.ok ? false : `docker not available: ${docker.reason}`,
  timeout: 180_000,
}, async () => {
  const out = join(own, 'run-docker');
  const r = await gameday(['run', experiment, '--provider', 'docker', '--seed', '3', '--out', out, '--quiet'], { env });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as RunResult;
  assert.equal(result.provider, 'docker');
  assert.deepEqual(
    result.checks.map((c) => [c.name, c.verdict]),
    [
      ['lost-writes', 'pass'],
      ['linearizable', 'pass'],
      ['availability', 'pass'],
      ['alarms', 'pass'],
    ],
  );
  assert.deepEqual(
    result.faults.map((f) => f.kind),
    ['power-off', 'power-off', 'partition'],
  );
  // the partition (drops in the frontends' namespaces) cut them off the primary's "internal" port: their customers saw errors
  assert.ok((result.faults[2]?.firstErrorAfterMs ?? Infinity) < 3000, JSON.stringify(result.faults[2]));
  assert.ok(existsSync(join(out, 'nodes', 'primary', 'data', 'wal.ndjson')), "the primary's write-ahead log is in its mounted data folder");
  for (const what of ['container', 'network']) {
    assert.equal(
      execFileSync('/usr/bin/docker', [what, 'ls', ...(what === 'container' ? ['-a'] : []), '-q', '--filter', `label=gameday.run=${result.runId}`], {
        encoding: 'utf8',
      }).trim(),
      '',
      `no ${what} of the run is left`,
    );
  }
});

const bad = (name: string, yaml: string, re: RegExp): void => {
  test(`a target module problem: ${name} → exit 2, named, nothing started`, { timeout: 60_000 }, async () => {
    const file = join(own, `${name.replace(/\W/g, '_')}.yaml`);
    writeFileSync(file, yaml);
    const out = join(own, `out-${name.replace(/\W/g, '_')}`);
    const r = await gameday(['run', file, '--out', out, '--quiet'], { env });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, re);
    assert.match(r.stderr, /fix:/);
    assert.equal(existsSync(out), false);
  });
};
const base = readFileSync(experiment, 'utf8');
bad('options its own check refuses', base.replace('frontends: 2', 'frontends: 9'), /target\.options\.frontends: must be 1 or 2, got 9/);
bad(
  'an unknown role',
  base.replace('role:primary', 'random-storage'),
  /faults\[0\]\.target: no node of the target has role "storage"[\s\S]*its roles: primary, frontend/,
);
bad('no such module', base.replace('./my-target.ts', './nope.ts'), /target\.module: no target module at .*nope\.ts/);
writeFileSync(join(own, 'empty.ts'), 'export const x = 1;\n');
bad('a module that exports no target', base.replace('./my-target.ts', './empty.ts'), /target\.module: \.\/empty\.ts exports no target/);
bad('name and module both given', base.replace('module: ./my-target.ts', 'module: ./my-target.ts\n  name: reference'), /target: has both name and module/);
