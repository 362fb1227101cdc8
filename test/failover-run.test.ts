// test: game-days (runs local game days; see test/run-tests.mjs)
// End to end: the reference cluster fails over. Leaders powered off on purpose
// (`leader-of:random`) and a whole AZ powered off: a new leader is elected, the
// routers find it, writes to the group resume within a few seconds, every check
// holds. The other side: the unsafe modes that break leadership are caught by a check,
// each with its seed (no-lease: linearizable, seed 5; vote-twice: two leaders in one
// term, seeds in turn; ack-before-quorum: each AZ cut off in turn, seeds in turn;
// forget-term: power-offs across a slowed election, seeds in turn).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { FaultRecord } from '../harness/faults/journal.ts';
import type { Op } from '../harness/history/op.ts';
import type { RunResult } from '../harness/runner/result.ts';
import { groupOf } from '../targets/reference/layout.ts';
import { ReferenceTarget } from '../targets/reference/target.ts';
import { gameday } from './cli.ts';
import { calls as callsOf, lines } from './run-folder.ts';

const env = { GAMEDAY_STATE_DIR: join(tmpdir(), 'gameday-e2e-state') };
const tmp = (): string => join(mkdtempSync(join(tmpdir(), 'gameday-failover-')), 'run');
const groups = new ReferenceTarget().groups();
const verdicts = (r: RunResult): string => r.checks.map((c) => `${c.name}: ${c.verdict} ${c.summary}`).join('\n');

type C = ReturnType<typeof callsOf>[number];
const written = (c: C): unknown => (c.invoke.f === 'cas' ? (c.invoke.value as readonly unknown[])[1] : c.invoke.value);

/**
 * Strong reads that returned a value v after an acknowledged write of another value,
 * begun once v was in force (its write acknowledged, or a read returned it), had
 * completed before the read began: v was certainly overwritten (`which` picks the pairs).
 */
function staleStrongReads(calls: readonly C[], which: (read: C, write: C) => boolean): C[] {
  return calls.filter((read) => {
    if (read.invoke.f !== 'read' || read.done.type !== 'ok' || read.invoke.consistency !== 'strong') return false;
    const onKey = calls.filter((c) => c.invoke.key === read.invoke.key);
    const inForceBy = (x: unknown): number =>
      x === null || x === undefined
        ? -Infinity
        : Math.min(...onKey.filter((c) => c.done.type === 'ok' && (c.invoke.f === 'read' ? c.done.value === x : written(c) === x)).map((c) => c.done.time));
    const v = read.done.value;
    return onKey.some(
      (w) =>
        w.invoke.f !== 'read' && w.done.type === 'ok' && which(read, w) && written(w) !== v && w.invoke.time > inForceBy(v) && w.done.time < read.invoke.time,
    );
  });
}

/** From each injection: how long until a write to a key of `group` started after it was acknowledged. */
function resumeAfter(history: readonly Op[], group: string, at: number): number | undefined {
  const first = callsOf(history)
    .filter((c) => c.invoke.f !== 'read' && c.invoke.time >= at && c.done.type === 'ok' && groupOf(c.invoke.key ?? '', groups).id === group)
    .sort((a, b) => a.done.time - b.done.time)[0];
  return first ? first.done.time - at : undefined;
}

test('leader-of:random powers off the current leader of a group; a new one is elected, writes to the group resume, every check holds', {
  timeout: 120_000,
}, async () => {
  const out = tmp();
  const r = await gameday(['run', 'test/fixtures/short-leader-failover.yaml', '--seed', '7', '--out', out, '--quiet', '--json'], { env });
  assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout.slice(0, 3000)}\n${r.stderr.slice(-2000)}`);
  const result = JSON.parse(r.stdout) as RunResult;
  assert.equal(result.verdict, 'pass', verdicts(result));
  const faults = lines<FaultRecord>(join(out, 'faults.ndjson'));
  const injected = faults.filter((f) => f.event === 'inject');
  assert.equal(injected.length, 3, JSON.stringify(faults));
  const history = lines<Op>(join(out, 'history.ndjson'));
  let qualified = 0;
  for (const f of injected) {
    // the journal names the group and the node that led it at that moment
    assert.equal(f.error, undefined, JSON.stringify(f));
    assert.ok(f.group && f.nodes.length === 1, JSON.stringify(f));
    const spec = groups.find((g) => g.id === f.group);
    assert.ok(spec?.replicas.includes(f.nodes[0] as string), `${f.nodes[0]} is a replica of ${f.group}`);
    if (!spec) continue;
    assert.ok(
      faults.some((h) => h.event === 'heal' && h.id === f.id && !h.error),
      `${f.id} healed`,
    );
    // the node really led it: its own log says so, and another replica of the group took over
    const hit = f.nodes[0] as string;
    const said = (node: string): string => readFileSync(join(out, 'nodes', node, 'node.log'), 'utf8');
    assert.match(said(hit), new RegExp(`${f.group} term \\d+ leader`));
    assert.ok(
      spec.replicas.filter((n) => n !== hit).some((n) => new RegExp(`${f.group} term \\d+ leader`).test(said(n))),
      `another replica of ${f.group} was elected`,
    );
    // writes to the group resume within a few heartbeats plus the router's retry, well before the node is back,
    // when the two other replicas are up (a replica still down from an earlier power-off leaves no quorum: then it waits for that one)
    const down = (node: string, t: number): boolean =>
      faults.some(
        (x) =>
          x.event === 'inject' &&
          x.id !== f.id &&
          x.nodes.includes(node) &&
          x.time - (x.tookMs ?? 0) <= t &&
          !faults.some((h) => h.event === 'heal' && h.id === x.id && h.time < t),
      );
    if (spec.replicas.some((n) => n !== hit && (down(n, f.time) || down(n, f.time + 2000)))) continue;
    qualified++;
    const resumed = resumeAfter(history, f.group, f.time);
    assert.ok(resumed !== undefined && resumed < 2000, `first acknowledged write to ${f.group} ${resumed} ms after the power-off of its leader ${hit}`);
  }
  assert.ok(qualified >= 1, 'no power-off left the group its two other replicas');
});

test('a whole AZ powered off: the groups it led elect new leaders, the other AZs write to every partition while it is off, every check holds', {
  timeout: 120_000,
}, async () => {
  const out = tmp();
  const r = await gameday(['run', 'test/fixtures/short-az-power-off.yaml', '--seed', '2', '--out', out, '--quiet', '--json'], { env });
  assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout.slice(0, 3000)}\n${r.stderr.slice(-2000)}`);
  const result = JSON.parse(r.stdout) as RunResult;
  assert.equal(result.verdict, 'pass', verdicts(result));
  const faults = lines<FaultRecord>(join(out, 'faults.ndjson'));
  const inj = faults.find((f) => f.event === 'inject');
  const heal = faults.find((f) => f.event === 'heal');
  assert.ok(inj && heal, JSON.stringify(faults));
  assert.deepEqual([...inj.nodes].sort(), ['az1-router-1', 'az1-store-1', 'az1-store-2']);
  // while az1 is off, every group takes writes again through the other AZs' routers (it led two of them)
  const history = lines<Op>(join(out, 'history.ndjson'));
  const elsewhere = history.filter((o) => o.endpoint !== 'az1-router-1' && o.az !== 'az1');
  for (const g of groups) {
    const resumed = resumeAfter(elsewhere, g.id, inj.time + 100);
    assert.ok(
      resumed !== undefined && inj.time + 100 + resumed < heal.time - (heal.tookMs ?? 0),
      `${g.id}: no acknowledged write while az1 was off (first ${resumed} ms after)`,
    );
  }
});

test('no-lease (an old leader keeps serving strong reads) under an AZ partition fails check linearizable; seed 5', { timeout: 120_000 }, async () => {
  const out = tmp();
  const r = await gameday(['run', 'test/fixtures/short-az-partition.yaml', '--seed', '5', '--out', out, '--quiet', '--json', '--bug', 'no-lease'], { env });
  assert.equal(r.code, 1, `exit ${r.code}\n${r.stdout.slice(0, 3000)}\n${r.stderr.slice(-2000)}`);
  const result = JSON.parse(r.stdout) as RunResult;
  const lin = result.checks.find((c) => c.name === 'linearizable');
  assert.equal(lin?.verdict, 'fail', verdicts(result));
  // why: through az1's router (cut off with az1) a strong read returned a value that a write acknowledged through another AZ had overwritten before the read began
  const stale = staleStrongReads(
    callsOf(lines<Op>(join(out, 'history.ndjson'))),
    (read, w) => read.invoke.endpoint === 'az1-router-1' && w.invoke.endpoint !== 'az1-router-1',
  );
  assert.ok(stale.length > 0, 'a strong read through az1 returned a value that a write acknowledged through another AZ had overwritten before the read began');
});

/** (group, term) pairs that more than one replica says it led, from the nodes' own logs. */
function twoLeadersInATerm(out: string): string[] {
  const led = new Map<string, Set<string>>();
  for (const node of new ReferenceTarget().topology().nodes.filter((n) => n.role === 'storage')) {
    const text = readFileSync(join(out, 'nodes', node.id, 'node.log'), 'utf8');
    for (const m of text.matchAll(/ (g\d+) term (\d+) leader /g)) {
      const k = `${m[1]} term ${m[2]}`;
      led.set(k, (led.get(k) ?? new Set()).add(node.id));
    }
  }
  return [...led].filter(([, s]) => s.size > 1).map(([k, s]) => `${k}: ${[...s].join(' and ')}`);
}

test('every storage node paused and thawed at once: elections start in every group together, one vote per term settles them, every check holds', {
  timeout: 120_000,
}, async () => {
  const out = tmp();
  const r = await gameday(['run', 'test/fixtures/short-storage-pause.yaml', '--seed', '3', '--out', out, '--quiet', '--json'], { env });
  assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout.slice(0, 3000)}\n${r.stderr.slice(-2000)}`);
  assert.deepEqual(twoLeadersInATerm(out), []);
});

/**
 * Runs `fixture` under `bug` with each seed in turn until the nodes' logs show two leaders
 * of one term and the run exits 1 (a split every check passed is one nobody could see:
 * the next seed); fails naming what each seed did when none does.
 */
async function firstCaughtSplit(fixture: string, bug: string, seeds: readonly number[]): Promise<{ seed: number; split: string[]; result: RunResult }> {
  const seen: string[] = [];
  for (const seed of seeds) {
    const out = tmp();
    const r = await gameday(['run', fixture, '--seed', String(seed), '--out', out, '--quiet', '--json', '--bug', bug], { env });
    const split = twoLeadersInATerm(out);
    if (split.length === 0) seen.push(`seed ${seed}: no two leaders in one term (exit ${r.code})`);
    else if (r.code === 0) seen.push(`seed ${seed}: ${split.join('; ')}, and every check passed`);
    else {
      assert.equal(r.code, 1, `exit ${r.code}\n${r.stdout.slice(0, 3000)}\n${r.stderr.slice(-2000)}`);
      return { seed, split, result: JSON.parse(r.stdout) as RunResult };
    }
  }
  return assert.fail(`no seed gave a split brain that a check caught under ${bug}:\n${seen.join('\n')}`);
}

const DATA_CHECKS = ['replicas-agree', 'lost-writes', 'linearizable'];

// Two leaders in one term need two candidates standing in the same term, which the thaw
// makes likely, not certain: how the resumed processes share the machine's cores decides
// it. So the test runs seeds in turn until one shows the split brain in the nodes' own
// logs (on this machine seed 3 did, 5 runs of 5, idle or with a core kept busy; on
// another, once, it did not), and asks the checks to catch that run.
test('vote-twice (a replica votes for every candidate of a term) under the same pauses elects two leaders in one term: split brain, caught by a check; seeds 3, 1, 2, 4 until one splits', {
  timeout: 300_000,
}, async () => {
  // a split nobody could see (neither leader of the term had a write acknowledged) moves on to the next seed
  const { seed, split, result } = await firstCaughtSplit('test/fixtures/short-storage-pause.yaml', 'vote-twice', [3, 1, 2, 4]);
  // a data check sees it: mostly the scrub (each leader wrote its own entries under the same seq and term, which the other
  // replicas take for the same ones), and lost-writes or linearizable where one leader's acknowledged entries were replaced
  const caught = result.checks.filter((c) => DATA_CHECKS.includes(c.name) && c.verdict === 'fail');
  assert.ok(caught.length > 0, `seed ${seed}: ${split.join('; ')}, and no data check failed\n${verdicts(result)}`);
});

// ack-before-quorum: a leader acknowledges a write once its own WAL has it. Each AZ cut
// off in turn deposes the leaders it held after half a second (check-quorum); in that
// half second the cut-off AZ's own canaries still reach them through its router, and
// their writes are acknowledged with no follower holding them. The other two AZs elect
// new leaders without those entries, and the heal replaces them. Seeds in turn, as for
// vote-twice (on this machine seeds 1-4 each lost writes).
test('ack-before-quorum under each AZ cut off in turn: acknowledged writes that no replica kept, caught by lost-writes; the same plan without the mode passes', {
  timeout: 300_000,
}, async () => {
  const plain = tmp();
  const ok = await gameday(['run', 'test/fixtures/short-cut-each-az.yaml', '--seed', '1', '--out', plain, '--quiet', '--json'], { env });
  assert.equal(ok.code, 0, `without the mode: exit ${ok.code}\n${ok.stdout.slice(0, 3000)}\n${ok.stderr.slice(-2000)}`);
  const seen: string[] = [];
  for (const seed of [1, 2, 3]) {
    const out = tmp();
    const r = await gameday(
      ['run', 'test/fixtures/short-cut-each-az.yaml', '--seed', String(seed), '--out', out, '--quiet', '--json', '--bug', 'ack-before-quorum'],
      {
        env,
      },
    );
    const result = JSON.parse(r.stdout) as RunResult;
    const lost = result.checks.find((c) => c.name === 'lost-writes');
    if (r.code !== 1 || lost?.verdict !== 'fail') {
      seen.push(`seed ${seed}: exit ${r.code}, lost-writes ${lost?.verdict}: ${lost?.summary}`);
      continue;
    }
    // why: acknowledged, then gone from every replica (not a stale final read)
    assert.match(lost.summary, /acknowledged write\(s\) lost .*no replica has them/, verdicts(result));
    return;
  }
  assert.fail(`no seed lost an acknowledged write under ack-before-quorum:\n${seen.join('\n')}`);
});

// forget-term: a replica keeps its term and vote in memory only. A restarted replica
// waits an election timeout before it votes (the leases rest on that), so a forgotten
// vote matters only if the voter died between granting it and the new leader's first
// entry reaching it, and a candidate of that same term asks it later. The fixture makes
// that window 180 ms wide (requests between AZs slowed) and powers off az2 and az3
// while az1's groups elect; az2 comes back before az3. Whether a group's voter was in
// the window and in az2 depends on the election timers and the machine (on this machine
// seeds 2, 4, 5, 7 of 1-8 split, and each split failed wal-reference), so seeds in
// turn (those four first, then the others), and the same plan without the mode must
// keep one leader per term and pass every check.
test('forget-term under power-offs across a slowed election: a second leader of the same term, caught by wal-reference (two no-ops under one seq and term); the same plan without the mode passes; seeds 2, 4, 5, 7, 1, 3, 6, 8 until one splits', {
  timeout: 900_000,
}, async () => {
  const fixture = 'test/fixtures/short-forget-term.yaml';
  const plain = tmp();
  const ok = await gameday(['run', fixture, '--seed', '2', '--out', plain, '--quiet', '--json'], { env });
  assert.equal(ok.code, 0, `without the mode: exit ${ok.code}\n${ok.stdout.slice(0, 3000)}\n${ok.stderr.slice(-2000)}`);
  assert.deepEqual(twoLeadersInATerm(plain), [], 'without the mode: one leader per term');
  // a split whose second no-op landed at another seq left nothing to see (the first leader's entries were replaced): the next seed
  const { seed, split, result } = await firstCaughtSplit(fixture, 'forget-term', [2, 4, 5, 7, 1, 3, 6, 8]);
  const wal = result.checks.find((c) => c.name === 'wal-reference');
  if (wal?.verdict === 'fail') {
    // why: each leader of the term wrote its own no-op under the same seq and term
    assert.match(wal.summary, /conflict.*seq \d+ term \d+ holds different commands: no-op of leader [\w-]+ /, verdicts(result));
    return;
  }
  const caught = result.checks.filter((c) => DATA_CHECKS.includes(c.name) && c.verdict === 'fail');
  assert.ok(caught.length > 0, `seed ${seed}: ${split.join('; ')}, and no data check failed\n${verdicts(result)}`);
});
