// End to end: a short game day on the embedded default (reference cluster as local
// processes), asserted from its run folder; and the other side: the same power-offs
// against the reference cluster in its documented unsafe skip-fsync mode must make
// check "lost-writes" fail and name the lost key.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Op } from '../harness/history/op.ts';
import type { RunResult } from '../harness/runner/result.ts';
import { alive } from '../harness/runner/registry.ts';
import { gameday } from './cli.ts';

const fixture = 'test/fixtures/short-power-off.yaml';
const tmp = (): string => mkdtempSync(join(tmpdir(), 'gameday-e2e-'));
const env = { GAMEDAY_STATE_DIR: join(tmpdir(), 'gameday-e2e-state') };
const lines = <T>(p: string): T[] => readFileSync(p, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);

test('a short power-off game day passes its checks and writes the run folder', { timeout: 120_000 }, async () => {
  const out = join(tmp(), 'run');
  const r = await gameday(['run', fixture, '--seed', '11', '--out', out, '--quiet'], { env });
  assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /gameday PASS/);
  for (const f of ['history.ndjson', 'faults.ndjson', 'result.json', 'plan.json', 'junit.xml', 'gameday.log']) assert.ok(existsSync(join(out, f)), `${f} missing`);

  const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as RunResult;
  assert.equal(result.verdict, 'pass');
  assert.equal(result.seed, 11);
  for (const name of ['lost-writes', 'linearizable', 'replicas-agree', 'availability']) {
    const c = result.checks.find((x) => x.name === name);
    assert.equal(c?.verdict, 'pass', `${name}: ${c?.summary}`);
  }
  // power-offs happened, each healed, and at least one hit a request router
  const faults = lines<{ event: string; kind: string; nodes: string[] }>(join(out, 'faults.ndjson'));
  const injected = faults.filter((f) => f.event === 'inject' && f.kind === 'power-off');
  assert.ok(injected.length >= 3, `only ${injected.length} power-offs`);
  assert.ok(injected.some((f) => f.nodes.some((n) => n.includes('router'))), 'no request router was powered off');
  assert.equal(faults.filter((f) => f.event === 'heal').length, injected.length, 'every power-off is healed');
  // every AZ x endpoint pair has acknowledged operations
  const history = lines<Op>(join(out, 'history.ndjson'));
  const pairs = new Set(history.filter((o) => o.type === 'ok' && !o.final).map((o) => `${o.az}>${o.endpoint}`));
  assert.equal(pairs.size, 9, `pairs with acknowledged ops: ${[...pairs].join(' ')}`);
  // no process of the run outlives it
  const { pids } = JSON.parse(readFileSync(join(out, 'nodes', 'pids.json'), 'utf8')) as { pids: Record<string, number> };
  assert.deepEqual(Object.values(pids).filter(alive), []);
});

test('the unsafe skip-fsync mode under the same power-offs fails check lost-writes and names the key', { timeout: 120_000 }, async () => {
  const out = join(tmp(), 'run');
  const r = await gameday(['run', fixture, '--seed', '11', '--out', out, '--quiet', '--bug', 'skip-fsync', '--json'], { env });
  assert.equal(r.code, 1, `exit ${r.code}\n${r.stderr}`);
  const result = JSON.parse(r.stdout) as { verdict: string; checks: { name: string; verdict: string; summary: string; lost?: { key: string }[] }[] };
  assert.equal(result.verdict, 'fail');
  const lost = result.checks.find((c) => c.name === 'lost-writes');
  assert.equal(lost?.verdict, 'fail', JSON.stringify(lost));
  const keys = (lost?.lost ?? []).map((l) => l.key);
  assert.ok(keys.length > 0, 'the lost keys are named');
  assert.match(String(lost?.summary), new RegExp(keys[0]?.replace(/[>#]/g, '.') ?? 'x'));
  // the named key really was acknowledged and is gone from the final read
  const history = lines<Op>(join(out, 'history.ndjson'));
  const k = keys[0] as string;
  assert.ok(history.some((o) => o.key === k && o.type === 'ok' && o.f !== 'read'), 'an acknowledged write to the lost key');
});

test('SIGTERM in the middle of chaos heals, stops every node and exits 130', { timeout: 120_000 }, async () => {
  const out = join(tmp(), 'run');
  let sent = false;
  const r = await gameday(['run', fixture, '--seed', '3', '--out', out], {
    env,
    onStderr: (all, kill) => {
      if (!sent && /f1 power-off/.test(all)) {
        sent = true;
        kill('SIGTERM');
      }
    },
  });
  assert.ok(sent, 'the chaos phase was reached');
  assert.equal(r.code, 130, r.stderr);
  const { pids } = JSON.parse(readFileSync(join(out, 'nodes', 'pids.json'), 'utf8')) as { pids: Record<string, number> };
  assert.deepEqual(Object.values(pids).filter(alive), []);
  const faults = lines<{ event: string; id: string }>(join(out, 'faults.ndjson'));
  for (const f of faults.filter((x) => x.event === 'inject')) assert.ok(faults.some((x) => x.event === 'heal' && x.id === f.id), `${f.id} healed`);
  const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as RunResult;
  assert.equal(result.interrupted, true);
  assert.equal(result.verdict, 'unknown');
});
