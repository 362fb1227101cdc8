// test: alone (runs game days or containers; see test/run-tests.mjs)
// End to end on Docker: a power-off game day, an AZ-partition game day and a
// link-fault game day (latency, then a partition, through the run's fault-proxy
// container) with each node in its own container pass their checks, and afterwards
// nothing carrying the run's label (container, network) is left. The latency really
// slows the chosen links (the canaries' history shows it), and a harness killed
// mid-fault is cleaned up by `gameday heal`; a rolling upgrade makes each storage
// node's container again on the other build. Skipped, visibly, without a Docker daemon.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { FaultRecord } from '../harness/faults/journal.ts';
import type { Op } from '../harness/history/op.ts';
import { readJournal } from '../harness/providers/docker/journal.ts';
import { dockerAvailable } from '../harness/providers/docker/runtime.ts';
import type { RunResult } from '../harness/runner/result.ts';
import { calls, lines } from './run-folder.ts';
import { gameday } from './cli.ts';
import { assertRolledAndBack } from './upgrade-checks.ts';

const docker = await dockerAvailable();
const env = { GAMEDAY_STATE_DIR: join(tmpdir(), 'gameday-e2e-docker-state') };

for (const [name, fixture, kind] of [
  ['power-off', 'test/fixtures/short-power-off.yaml', 'power-off'],
  ['AZ partition', 'test/fixtures/short-az-partition.yaml', 'partition'],
] as const) {
  test(`docker: a short ${name} game day passes and leaves nothing behind`, { timeout: 180_000 }, async (t) => {
    if (!docker.ok) return t.skip(`docker not available: ${docker.reason}`);
    const out = join(mkdtempSync(join(tmpdir(), 'gameday-docker-')), 'run');
    const r = await gameday(['run', fixture, '--provider', 'docker', '--seed', '9', '--out', out, '--quiet'], { env });
    assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as RunResult;
    assert.equal(result.provider, 'docker');
    assert.ok(
      result.faults.some((f) => f.kind === kind && f.healedAtMs !== null),
      `a ${kind} was injected and healed`,
    );
    for (const c of result.checks) assert.equal(c.verdict, 'pass', `${c.name}: ${c.summary}`);
    // the nodes' data folders are bind mounts of the run folder's: their WALs are there for check wal-reference
    assert.ok(
      result.checks.some((c) => c.name === 'wal-reference'),
      result.checks.map((c) => c.name).join(', '),
    );
    const left = (what: string): string =>
      execFileSync('/usr/bin/docker', [what, 'ls', ...(what === 'container' ? ['-a'] : []), '-q', '--filter', `label=gameday.run=${result.runId}`], {
        encoding: 'utf8',
      }).trim();
    assert.equal(left('container'), '', 'no container of the run is left');
    assert.equal(left('network'), '', 'no network of the run is left');
  });
}

const leftOf = (runId: string, what: 'container' | 'network'): string =>
  execFileSync('/usr/bin/docker', [what, 'ls', ...(what === 'container' ? ['-a'] : []), '-q', '--filter', `label=gameday.run=${runId}`], {
    encoding: 'utf8',
  }).trim();
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

test('docker: a short link-fault game day (latency, then a partition, through the run fault proxy) passes, slows exactly the chosen links, leaves nothing behind', {
  timeout: 180_000,
}, async (t) => {
  if (!docker.ok) return t.skip(`docker not available: ${docker.reason}`);
  const out = join(mkdtempSync(join(tmpdir(), 'gameday-docker-')), 'run');
  const r = await gameday(['run', 'test/fixtures/short-slow-az.yaml', '--provider', 'docker', '--seed', '9', '--out', out, '--quiet'], { env });
  assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as RunResult;
  assert.equal(result.provider, 'docker');
  for (const c of result.checks) assert.equal(c.verdict, 'pass', `${c.name}: ${c.summary}`);
  const faults = lines<FaultRecord>(join(out, 'faults.ndjson'));
  assert.ok(
    faults.every((f) => !f.error),
    JSON.stringify(faults),
  );
  for (const kind of ['latency', 'partition']) {
    assert.deepEqual(
      faults.filter((f) => f.kind === kind).map((f) => f.event),
      ['inject', 'heal'],
      `${kind} injected, then healed`,
    );
  }
  console.log(
    `# bench docker link faults: cluster start ${result.figures.clusterStartMs} ms (with the fault proxy); ${faults.map((f) => `${f.event} ${f.kind} ${f.tookMs} ms`).join(', ')}`,
  );
  assert.ok(readJournal(out)?.faultProxy, 'the fault proxy was journaled');
  assert.ok(existsSync(join(out, 'nodes', 'faultproxy', 'faultproxy.log')), 'its log is kept');

  // the latency is on az1's links only: other AZs' canaries calling az1's router slow down by ~2 × 150 ms
  const history = lines<Op>(join(out, 'history.ndjson'));
  const all = calls(history);
  const inj = faults.find((f) => f.kind === 'latency' && f.event === 'inject')!;
  const heal = faults.find((f) => f.kind === 'latency' && f.event === 'heal')!;
  const window = (c: { invoke: Op; done: Op }): boolean => c.invoke.time >= inj.time + 100 && c.done.time <= heal.time - (heal.tookMs ?? 0);
  const before = (c: { invoke: Op; done: Op }): boolean => c.done.time < inj.time - (inj.tookMs ?? 0);
  const ms = (xs: { invoke: Op; done: Op }[]): number => median(xs.filter((c) => c.done.type === 'ok').map((c) => c.done.time - c.invoke.time));
  const intoAz1 = (c: { invoke: Op; done: Op }): boolean => c.invoke.az !== 'az1' && c.invoke.endpoint === 'az1-router-1';
  const slow = ms(all.filter((c) => intoAz1(c) && window(c)));
  const base = ms(all.filter((c) => intoAz1(c) && before(c)));
  assert.ok(slow >= base + 250, `az2/az3 → az1-router-1: median ${slow.toFixed(0)} ms during the latency vs ${base.toFixed(0)} ms before`);
  // ...and no slower after the heal than a little over the baseline
  const recovery = result.phases.find((ph) => ph.name === 'recovery')!;
  const after = ms(all.filter((c) => intoAz1(c) && c.invoke.time >= recovery.startMs + 1_000));
  assert.ok(after < base + 100, `after the heal: median ${after.toFixed(0)} ms vs ${base.toFixed(0)} ms before`);
  console.log(
    `# bench docker link faults: az2/az3 canaries → az1-router-1, median ${base.toFixed(0)} ms before, ${slow.toFixed(0)} ms under 150 ms each way, ${after.toFixed(0)} ms after the heal`,
  );

  // the partition (a blackhole in the proxy: data held until the heal) cut az3's canaries off the other AZs' routers
  const pInj = faults.find((f) => f.kind === 'partition' && f.event === 'inject')!;
  const pHeal = faults.find((f) => f.kind === 'partition' && f.event === 'heal')!;
  const cutOff = all.filter(
    (c) => c.invoke.az === 'az3' && c.invoke.endpoint !== 'az3-router-1' && c.invoke.time >= pInj.time && c.done.time <= pHeal.time - (pHeal.tookMs ?? 0),
  );
  assert.ok(
    cutOff.length > 0 && cutOff.every((c) => c.done.type === 'info'),
    `az3 → other routers while cut off: ${cutOff.map((c) => `${c.done.type} ${c.done.error ?? ''}`).join('; ')}`,
  );

  assert.equal(leftOf(result.runId, 'container'), '', 'no container of the run is left (fault proxy included)');
  assert.equal(leftOf(result.runId, 'network'), '', 'no network of the run is left');
});

test('docker: a harness killed while a link fault is in force is cleaned up by gameday heal (fault proxy and its toxics included)', {
  timeout: 120_000,
}, async (t) => {
  if (!docker.ok) return t.skip(`docker not available: ${docker.reason}`);
  const base = mkdtempSync(join(tmpdir(), 'gameday-docker-crash-'));
  const out = join(base, 'run');
  const stateEnv = { GAMEDAY_STATE_DIR: join(base, 'state') };
  let killedAt = '';
  const r = await gameday(['run', 'test/fixtures/short-slow-az.yaml', '--provider', 'docker', '--seed', '9', '--out', out], {
    env: stateEnv,
    onStderr: (all, kill) => {
      if (!killedAt && / f1 latency /.test(all)) {
        killedAt = 'f1 in force';
        kill('SIGKILL');
      }
    },
  });
  assert.equal(r.signal, 'SIGKILL', `the harness was killed mid-fault: ${r.stderr.slice(-1500)}`);
  const j = readJournal(out);
  assert.ok(j?.faultProxy, 'the fault proxy was journaled');
  const api = j.faultProxy.api;
  const proxies = (await (await fetch(`${api}/proxies`, { signal: AbortSignal.timeout(3_000) })).json()) as Record<string, { toxics: unknown[] }>;
  assert.ok(
    Object.values(proxies).some((p) => p.toxics.length > 0),
    'the latency toxics are still in force after the crash',
  );
  assert.notEqual(leftOf(j.runId, 'container'), '', 'the run is still there before the heal');

  const h = await gameday(['heal'], { env: stateEnv });
  assert.equal(h.code, 0, `heal exit ${h.code}\n${h.stdout}\n${h.stderr}`);
  assert.match(h.stdout, new RegExp(`healed ${j.runId}.*faults closed: f1`));
  assert.equal(leftOf(j.runId, 'container'), '', 'no container of the run is left (fault proxy included)');
  assert.equal(leftOf(j.runId, 'network'), '', 'no network of the run is left');
  assert.ok(lines<FaultRecord>(join(out, 'faults.ndjson')).some((f) => f.id === 'f1' && f.event === 'heal' && f.reason === 'after-crash'));
});

// The rolling upgrade on Docker: each storage node's container is made again from its
// new launch spec (build v2, then v1 on the heal) on the same bind-mounted data, and
// node.log keeps what every container of the node logged.
test('docker: a rolling upgrade to v2 and back makes each storage node a new container of the other build on the same data; every check holds, nothing left', {
  timeout: 240_000,
}, async (t) => {
  if (!docker.ok) return t.skip(`docker not available: ${docker.reason}`);
  const out = join(mkdtempSync(join(tmpdir(), 'gameday-docker-')), 'run');
  const r = await gameday(['run', 'test/fixtures/short-rolling-upgrade.yaml', '--provider', 'docker', '--seed', '4', '--out', out, '--quiet', '--json'], {
    env,
  });
  assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout.slice(0, 3000)}\n${r.stderr.slice(-2000)}`);
  const result = JSON.parse(r.stdout) as RunResult;
  assert.equal(result.provider, 'docker');
  for (const c of result.checks) assert.equal(c.verdict, 'pass', `${c.name}: ${c.summary}`);
  assertRolledAndBack(out);
  assert.equal(leftOf(result.runId, 'container'), '', 'no container of the run is left');
  assert.equal(leftOf(result.runId, 'network'), '', 'no network of the run is left');
});
