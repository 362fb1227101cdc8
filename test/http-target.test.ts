// test: game-days (runs local game days; see test/run-tests.mjs)
// A service described in the experiment file alone (target http): the test's own
// key-value server (test/fixtures/http-kv/server.mjs), with an API of its own that
// the file maps onto reads, writes, compare-and-set and deletes. Its game day passes
// every check; with the server's documented stale-read switch the linearizability
// check fails on a read that went back in time; templates and options that cannot
// work are exit 2 before anything starts.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RunResult } from '../harness/runner/result.ts';
import { gameday, repoRoot } from './cli.ts';

const env = { GAMEDAY_STATE_DIR: join(tmpdir(), 'gameday-e2e-state') };
const dir = mkdtempSync(join(tmpdir(), 'gameday-http-target-'));
cpSync(join(repoRoot, 'test/fixtures/http-kv'), dir, { recursive: true });
const base = readFileSync(join(dir, 'game-day.yaml'), 'utf8');
const result = (out: string): RunResult => JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as RunResult;

test('target http: a service described in YAML alone passes a power-off and partition game day, every check it promises', { timeout: 120_000 }, async () => {
  const out = join(dir, 'run');
  const r = await gameday(['run', join(dir, 'game-day.yaml'), '--seed', '2', '--out', out, '--quiet'], { env });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const res = result(out);
  assert.equal(res.target.name, 'http');
  assert.deepEqual(
    res.checks.map((c) => [c.name, c.verdict]),
    [
      ['lost-writes', 'pass'],
      ['linearizable', 'pass'],
      ['availability', 'pass'],
      ['alarms', 'pass'],
    ],
  );
  assert.ok(
    res.faults.every((f) => f.firstErrorAfterMs !== null),
    JSON.stringify(res.faults),
  );
  // the templates reached the service's own API: compare-and-set mismatches came back as 412 with the current value
  const history = readFileSync(join(out, 'history.ndjson'), 'utf8');
  assert.match(history, /"f":"cas".*"type":"fail".*precondition failed|precondition failed.*"f":"cas"/);
  assert.ok(existsSync(join(out, 'nodes', 'n1', 'data', 'wal.ndjson')), 'the leader kept its write-ahead log');
});

test("target http: with the server's stale-read switch, check linearizable fails on a read that went back in time (exit 1)", { timeout: 120_000 }, async () => {
  const file = join(dir, 'stale.yaml');
  writeFileSync(file, base.replaceAll('"{peers}"]', '"{peers}", --stale-reads]'));
  const out = join(dir, 'run-stale');
  const r = await gameday(['run', file, '--seed', '2', '--out', out, '--quiet'], { env });
  assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
  const lin = result(out).checks.find((c) => c.name === 'linearizable');
  assert.equal(lin?.verdict, 'fail', JSON.stringify(lin));
  assert.match(lin?.summary ?? '', /not linearizable \(kv\): key "[^"]+", read by process \d+ .*cannot be ordered/);
});

const bad = (name: string, yaml: string, re: RegExp): void => {
  test(`target http: ${name} → exit 2, named with a fix, nothing started`, { timeout: 60_000 }, async () => {
    const file = join(dir, `${name.replace(/\W+/g, '_')}.yaml`);
    writeFileSync(file, yaml);
    const out = join(dir, `out-${name.replace(/\W+/g, '_')}`);
    const r = await gameday(['run', file, '--out', out, '--quiet'], { env });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, re);
    assert.match(r.stderr, /fix:/);
    assert.equal(existsSync(out), false);
  });
};
bad(
  'an operation template with an unknown placeholder',
  base.replace('path: "/items/{key}", body: { data: "{value}" }', 'path: "/items/{id}", body: { data: "{value}" }'),
  /target\.options\.operations\.put\.path: names an unknown placeholder \{id\}[\s\S]*fix: a path may use \{key\}, \{value\}, \{expected\}, \{consistency\}/,
);
bad(
  'a command with an unknown placeholder',
  base.replace('--data, "{dataDir}"', '--data, "{datadir}"'),
  /target\.options\.nodes\[0\]\.command\[\d+\]: names an unknown placeholder \{datadir\}/,
);
bad(
  'no nodes and no attach',
  base.replace(/ {4}nodes:\n(?: {6}- .*\n)+/, ''),
  /target\.options\.nodes: target http has no nodes to start[\s\S]*fix: give each node's command/,
);
bad('an unknown option', base.replace('ready: { path: /healthz }', 'readyness: { path: /healthz }'), /target\.options\.readyness/);
