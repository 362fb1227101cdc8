// test: game-days (runs local game days; see test/run-tests.mjs)
// End to end: a short AZ partition on the reference cluster (local processes, every
// link through the embedded fault proxy), asserted from its run folder; and the
// other side: the cluster's documented unsafe stale-reads mode under the same
// partition must make check "linearizable" fail, and the reason must be a stale read.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isServed, type Op } from '../harness/history/op.ts';
import { groupOf } from '../targets/reference/layout.ts';
import type { ReferenceTarget } from '../targets/reference/target.ts';
import { calls as callsOf, lines, type Call } from './run-folder.ts';
import { networkSetup } from '../harness/faults/network.ts';
import type { FaultRecord } from '../harness/faults/journal.ts';
import { prepare, type Prepared } from '../harness/runner/prepare.ts';
import { execute } from '../harness/runner/run.ts';
import type { RunResult } from '../harness/runner/result.ts';

process.env.GAMEDAY_STATE_DIR = join(tmpdir(), 'gameday-e2e-state');
const fixture = 'test/fixtures/short-az-partition.yaml';

/** Each group's leader when fault f1 was injected: the last `gN term T leader` line any node logged before it (gameday.log's time of f1). */
function leadersAtCut(runDir: string, p: Prepared): Map<string, string> {
  const log = lines<{ time: string; fault?: string; kind?: string }>(join(runDir, 'gameday.log'));
  const cut = log.find((l) => l.fault === 'f1' && l.kind === 'partition')?.time;
  assert.ok(cut, 'gameday.log has the injection of f1');
  const last = new Map<string, { at: string; node: string }>();
  for (const n of p.topology.nodes.filter((x) => x.role === 'storage')) {
    for (const line of readFileSync(join(runDir, 'nodes', n.id, 'node.log'), 'utf8').split('\n')) {
      const m = /^(\S+) (g\d+) term \d+ leader /.exec(line);
      if (!m || (m[1] as string) >= cut) continue;
      const had = last.get(m[2] as string);
      if (!had || had.at < (m[1] as string)) last.set(m[2] as string, { at: m[1] as string, node: n.id });
    }
  }
  return new Map([...last].map(([g, v]) => [g, v.node]));
}

async function runOnce(bugs: string[]): Promise<{ p: Prepared; r: RunResult; calls: Call[]; all: Call[]; window: [number, number] }> {
  const out = join(mkdtempSync(join(tmpdir(), 'gameday-partition-')), 'run');
  const p = await prepare({ file: fixture, seed: 5, out, quiet: true, bugs });
  const net = networkSetup(p);
  const r = await execute(p, { quiet: true, actions: net.actions, ...(net.provider ? { provider: net.provider } : {}) }).finally(() => net.close());
  assert.equal(net.net?.proxyCount, 81, 'one proxy per (party, destination)');
  const history = lines<Op>(join(out, 'history.ndjson'));
  const calls = callsOf(history);
  const faults = lines<FaultRecord>(join(out, 'faults.ndjson'));
  const inj = faults.find((f) => f.event === 'inject');
  const heal = faults.find((f) => f.event === 'heal');
  assert.ok(inj && heal && !inj.error && !heal.error, JSON.stringify(faults));
  // from when the toxics are all in place to when their removal starts
  return { p, r, calls, all: callsOf(history, true), window: [inj.time, heal.time - (heal.tookMs ?? 0)] };
}

test('an AZ partition cuts the AZ off (its canaries too), the other AZs keep their groups, all recover, checks pass', { timeout: 90_000 }, async () => {
  const {
    p,
    r,
    calls,
    window: [from, to],
  } = await runOnce([]);
  const during = calls.filter((c) => c.invoke.time >= from + 100 && c.done.time <= to);
  assert.ok(during.length > 25, `only ${during.length} calls during the partition`);

  // canaries hold their rate through the cut (open model): the alarm windows of the AZ cut
  // off keep getting calls at the requested rate, though every one of them hangs
  const rate = p.experiment.canaries.rate;
  const secs = (to - from) / 1000;
  for (const ep of ['az1-router-1', 'az2-router-1', 'az3-router-1']) {
    const started = calls.filter((c) => c.invoke.az === 'az1' && c.invoke.endpoint === ep && c.invoke.time >= from && c.invoke.time < to).length;
    assert.ok(
      started >= rate * secs * 0.9 && started <= rate * secs * 1.1 + 2,
      `az1 → ${ep}: ${started} calls started in ${secs.toFixed(1)} s of partition, asked ${rate}/s`,
    );
  }
  const ownRate = r.figures['canaryRates'] as { canary: string; requestedOpsPerSec: number; achievedOpsPerSec: number; dropped: number }[];
  assert.equal(ownRate.length, 9);
  for (const c of ownRate) {
    assert.equal(c.dropped, 0, `${c.canary} dropped calls`);
    assert.ok(
      Math.abs(c.achievedOpsPerSec - c.requestedOpsPerSec) <= c.requestedOpsPerSec * 0.05,
      `${c.canary}: ${c.achievedOpsPerSec} of ${c.requestedOpsPerSec} ops/s`,
    );
  }
  // the cut-off AZ's alarm fired, and is put down to the partition
  const f1 = r.faults.find((f) => f.id === 'f1');
  assert.equal(f1?.alarmOutcome, 'alarm', JSON.stringify(f1));
  assert.ok(
    r.alarms.changes.some((c) => c.alarm === 'error-rate az=az1' && c.to === 'ALARM' && (c as { fault?: string }).fault === 'f1'),
    'error-rate az=az1 went to ALARM for f1',
  );

  // az1's canaries cannot reach the routers of az2 and az3: nothing gets through
  const cutOff = during.filter((c) => c.invoke.az === 'az1' && c.invoke.endpoint !== 'az1-router-1');
  assert.ok(cutOff.length >= 2, `only ${cutOff.length} calls from az1 to other AZs`);
  assert.deepEqual(
    cutOff.filter((c) => c.done.type === 'ok').map((c) => `${c.invoke.f} ${c.invoke.key}`),
    [],
    'no az1 call crossed the cut',
  );
  // ...and writes through their own router to groups led elsewhere fail or time out
  const groups = (p.target as ReferenceTarget).groups();
  // who led each group when the cut began, from the nodes' own logs: leadership need not be where it
  // started (the preferred replica may lose the first election to a peer that started sooner)
  const led = leadersAtCut(r.runDir, p);
  const leaderAz = (key: string | undefined): string => p.topology.nodes.find((n) => n.id === led.get(groupOf(key ?? '', groups).id))?.az ?? '?';
  const local = during.filter(
    (c) => c.invoke.az === 'az1' && c.invoke.endpoint === 'az1-router-1' && c.invoke.f !== 'read' && leaderAz(c.invoke.key) !== 'az1',
  );
  assert.ok(local.length > 0 && local.every((c) => c.done.type !== 'ok'), 'az1 writes to groups led outside az1 are not acknowledged');

  // the majority side keeps serving every group whose leader (and quorum) is on its side
  const majority = during.filter((c) => c.invoke.az !== 'az1' && c.invoke.endpoint !== 'az1-router-1' && leaderAz(c.invoke.key) !== 'az1');
  const served = majority.filter((c) => isServed(c.done)).length;
  assert.ok(majority.length > 10, `only ${majority.length} majority calls`);
  assert.ok(
    served / majority.length >= 0.97,
    `majority served ${served} of ${majority.length}: ${majority
      .filter((c) => !isServed(c.done))
      .map((c) => c.done.error)
      .slice(0, 5)
      .join('; ')}`,
  );

  // the groups whose leader was in az1 fail over: the other two replicas elect a new
  // leader, and writes through the majority's routers are acknowledged again during the partition
  const failedOver = groups.filter((g) => p.topology.nodes.find((n) => n.id === g.leader)?.az === 'az1');
  assert.ok(failedOver.length > 0);
  for (const g of failedOver) {
    const acked = during.filter(
      (c) =>
        c.invoke.az !== 'az1' &&
        c.invoke.endpoint !== 'az1-router-1' &&
        c.invoke.f !== 'read' &&
        c.done.type === 'ok' &&
        groupOf(c.invoke.key ?? '', groups).id === g.id,
    );
    assert.ok(acked.length > 0, `no write to ${g.id} (led from az1 before the partition) was acknowledged by the majority during it`);
  }

  // after the heal every AZ x endpoint recovers
  const recovery = r.phases.find((ph) => ph.name === 'recovery');
  assert.ok(recovery);
  const late = calls.filter((c) => c.invoke.time >= (recovery.startMs + recovery.endMs) / 2);
  for (const az of p.topology.azs) {
    for (const ep of ['az1-router-1', 'az2-router-1', 'az3-router-1']) {
      const mine = late.filter((c) => c.invoke.az === az && c.invoke.endpoint === ep);
      assert.ok(mine.length > 3 && mine.every((c) => isServed(c.done)), `${az} → ${ep} after the heal: ${mine.map((c) => c.done.type).join(' ')}`);
    }
  }
  assert.equal(r.verdict, 'pass', r.checks.map((c) => `${c.name}: ${c.verdict} ${c.summary}`).join('\n'));
});

test('stale-reads (routers serve strong reads from the nearest replica) under an AZ partition fails check linearizable with a stale read', {
  timeout: 90_000,
}, async () => {
  const { r, calls, all } = await runOnce(['stale-reads']);
  assert.equal(r.verdict, 'fail');
  // the final reads wait for the replicas to agree: no write is reported lost, and no final read is stale
  const lw = r.checks.find((c) => c.name === 'lost-writes') as { verdict: string; summary: string; lost?: { kind: string }[] } | undefined;
  assert.ok(lw?.verdict === 'pass' || (lw?.lost ?? []).every((l) => l.kind === 'stale-read'), `lost-writes: ${lw?.summary}`);
  assert.doesNotMatch(String(lw?.summary), /acknowledged write\(s\) lost/);
  const lin = r.checks.find((c) => c.name === 'linearizable');
  assert.equal(lin?.verdict, 'fail', `${lin?.summary}`);
  // the reason: a strong read acknowledged in az1 that returned a value older than a write acknowledged before it began
  const writes = calls.filter((c) => c.done.type === 'ok' && (c.invoke.f === 'write' || c.invoke.f === 'cas'));
  const written = (c: Call): unknown => (c.invoke.f === 'cas' ? (c.invoke.value as readonly unknown[])[1] : c.invoke.value);
  const stale = calls.filter((c) => {
    if (c.invoke.f !== 'read' || c.done.type !== 'ok' || c.invoke.consistency !== 'strong') return false;
    const before = writes.filter((w) => w.invoke.key === c.invoke.key && w.done.time < c.invoke.time).sort((a, b) => a.done.time - b.done.time);
    const last = before.at(-1);
    if (!last) return false;
    // no other write to the key may overlap: then the read had exactly one legal answer
    const others = calls.filter(
      (w) => w !== last && w.invoke.key === c.invoke.key && w.invoke.f !== 'read' && w.invoke.time < c.done.time && w.done.time > last.invoke.time,
    );
    return others.length === 0 && c.done.value !== written(last);
  });
  assert.ok(stale.length > 0, 'a strong read returned a value older than an acknowledged write');
  // the checker's witness says the same: its stuck operation is a strong read that
  // returned a value already overwritten before the read began. The witness's window
  // need not hold the proof (it may be in the prefix), so look at the whole key:
  type W = { f: string; type: string; start: number };
  const d =
    (lin as unknown as { details?: { witness?: { key: string; stuck: W } } }).details?.witness ??
    (lin as unknown as { witness: { key: string; stuck: W } }).witness;
  assert.equal(d?.stuck.f, 'read', JSON.stringify(d?.stuck));
  const onKey = all.filter((c) => c.invoke.key === d.key); // final reads included: the checker saw them too
  assert.ok(
    onKey.some((c) => c.invoke.f === 'read' && c.done.type === 'ok' && Math.abs(c.invoke.time - d.stuck.start) < 0.01),
    `the witness's read is in the history: ${JSON.stringify(d.stuck)}`,
  );
  const writers = onKey.filter((c) => c.invoke.f !== 'read' && c.done.type !== 'fail');
  // when value x was certainly in force: its write acknowledged, or a read returned it
  const inForceBy = (x: unknown): number =>
    x === null || x === undefined
      ? -Infinity
      : Math.min(...onKey.filter((c) => c.done.type === 'ok' && (c.invoke.f === 'read' ? c.done.value === x : written(c) === x)).map((c) => c.done.time));
  // on the witness's key, a strong read of v after a write that began once v was in force (so it overwrote v) was itself in force:
  // with many calls in flight the witness's own read may be stale only together with others, so the proof is looked for on the whole key
  const provablyStale = onKey.filter((read) => {
    if (read.invoke.f !== 'read' || read.done.type !== 'ok' || read.invoke.consistency !== 'strong') return false;
    const v = read.done.value;
    return writers.some((c) => written(c) !== v && c.invoke.time > inForceBy(v) && inForceBy(written(c)) < read.invoke.time);
  });
  assert.ok(
    provablyStale.length > 0,
    `no read on the witness's key ${d.key} is provably stale: ${JSON.stringify(onKey.map((c) => [c.invoke.f, c.invoke.value, c.done.type, c.done.value, c.invoke.time, c.done.time]))}`,
  );
});
