// gameday targets: the built-in ones, and the target an experiment names, as gameday sees it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const main = fileURLToPath(new URL('../main.ts', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));
const gameday = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', main, ...args], { encoding: 'utf8', cwd: root });

test('gameday targets lists the bundled cluster with its promise, roles, selectors and unsafe modes', () => {
  const r = gameday('targets');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^reference: promises linearizable-kv; checks lost-writes, linearizable, replicas-agree, wal-reference, availability, alarms/);
  assert.match(r.stdout, /fault selectors: random-node, random-az, random-router, random-storage, role:router, role:storage/);
  assert.match(r.stdout, /unsafe modes \(--bug\): skip-fsync, ack-before-quorum, stale-reads, no-lease, vote-twice, forget-term/);
  assert.match(r.stdout, /options \(target\.options\): log-replica-after: <1s to 1h> \| never/);
});

test('gameday targets lists Redis behind Sentinel: data nodes and Sentinels (the endpoints) per AZ, its promise and what it needs', () => {
  const r = gameday('targets', '--json');
  assert.equal(r.status, 0, r.stderr);
  const redis = (
    JSON.parse(r.stdout) as {
      name: string;
      promises: string;
      checks: string[];
      nodes: { id: string; az: string; role: string; public: boolean }[];
      needs: string;
    }[]
  ).find((t) => t.name === 'redis');
  assert.ok(redis, 'redis is listed');
  assert.equal(redis.promises, 'no-lost-writes');
  assert.deepEqual(redis.checks, ['lost-writes', 'replicas-agree', 'availability', 'alarms']);
  assert.deepEqual(
    redis.nodes.map((n) => [n.id, n.az, n.role, n.public]),
    [
      ['redis-az1', 'az1', 'data', false],
      ['sentinel-az1', 'az1', 'sentinel', true],
      ['redis-az2', 'az2', 'data', false],
      ['sentinel-az2', 'az2', 'sentinel', true],
      ['redis-az3', 'az3', 'data', false],
      ['sentinel-az3', 'az3', 'sentinel', true],
    ],
  );
  assert.match(redis.needs, /redis-server redis-sentinel/);
});

test('gameday targets <experiment> describes a target module of your own: nodes, roles, named ports, capabilities', () => {
  const r = gameday('targets', 'test/fixtures/own-target/game-day.yaml', '--json');
  assert.equal(r.status, 0, r.stderr);
  const d = JSON.parse(r.stdout) as {
    name: string;
    checks: string[];
    nodes: { id: string; role: string; ports: string[] }[];
    selectors: string[];
    capabilities: { digests: boolean };
  };
  assert.equal(d.name, 'tiny-kv');
  assert.deepEqual(
    d.nodes.map((n) => [n.id, n.role, n.ports.join()]),
    [
      ['primary', 'primary', 'main,internal'],
      ['frontend-az2', 'frontend', 'main'],
      ['frontend-az3', 'frontend', 'main'],
    ],
  );
  assert.ok(d.selectors.includes('random-frontend') && d.selectors.includes('role:primary'));
  assert.equal(d.capabilities.digests, false);
  assert.deepEqual(d.checks, ['lost-writes', 'linearizable', 'availability', 'alarms']);
});

test('gameday targets on an experiment whose module has a problem: exit 2, named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gameday-targets-'));
  const f = join(dir, 'x.yaml');
  writeFileSync(f, 'title: t\ntarget: { module: ./missing.ts }\nfaults:\n  - { kind: power-off, target: random-node, hold: 1s }\n');
  const r = gameday('targets', f);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /target\.module: no target module at .*missing\.ts/);
});
