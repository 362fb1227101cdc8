// test: game-days (runs local game days; see test/run-tests.mjs)
// End to end: log replicas in the reference cluster. az1-store-1 is powered off for
// longer than timing.logReplicaAfterMs (2 s): the leaders of its groups catch up a log
// replica on another storage node, add it and remove az1-store-1. Then, while it is
// still off, az2-store-2 (a replica of the same groups) is powered off: those groups
// keep acknowledging writes with their third replica and the log replica (2 of 3).
// Both come back: az1-store-1 is added back, the log replica removed and retired,
// and every check holds (replicas-agree compares the log replicas too while they live).
// With log replicas turned off the same plan acknowledges nothing to those groups; a
// log replica that fails in turn is replaced by another (a third loss survived).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { FaultRecord } from '../harness/faults/journal.ts';
import type { Op } from '../harness/history/op.ts';
import type { RunResult } from '../harness/runner/result.ts';
import { groupOf } from '../targets/reference/layout.ts';
import { ReferenceTarget } from '../targets/reference/target.ts';
import { readWal } from '../targets/reference/wal.ts';
import { gameday } from './cli.ts';
import { calls as callsOf, lines } from './run-folder.ts';

const env = { GAMEDAY_STATE_DIR: join(tmpdir(), 'gameday-e2e-state') };
const tmp = (): string => join(mkdtempSync(join(tmpdir(), 'gameday-logreplica-')), 'run');
const groups = new ReferenceTarget().groups();
const verdicts = (r: RunResult): string => r.checks.map((c) => `${c.name}: ${c.verdict} ${c.summary}`).join('\n');
const FIRST = 'az1-store-1';
const SECOND = 'az2-store-2';

test('a storage node off longer than the threshold is replaced by a log replica; its groups survive a second loss, then the log replica retires; every check holds', {
  timeout: 150_000,
}, async () => {
  const out = tmp();
  const r = await gameday(['run', 'test/fixtures/short-log-replica.yaml', '--seed', '7', '--out', out, '--quiet', '--json'], { env });
  const result = JSON.parse(r.stdout) as RunResult;
  assert.equal(r.code, 0, `exit ${r.code}\n${verdicts(result)}\n${r.stderr.slice(-2000)}`);
  assert.equal(result.verdict, 'pass', verdicts(result));

  const faults = lines<FaultRecord>(join(out, 'faults.ndjson'));
  const at = (event: 'inject' | 'heal', node: string): number => {
    const f = faults.find((x) => x.event === event && x.nodes.includes(node) && !x.error);
    assert.ok(f, `${event} of ${node}: ${JSON.stringify(faults)}`);
    return f.time;
  };
  const [off1, on1, off2, on2] = [at('inject', FIRST), at('heal', FIRST), at('inject', SECOND), at('heal', SECOND)];
  assert.ok(off1 < off2 && on2 < on1, 'the second node is off while the first one is');

  // the groups that lose both nodes: each had a log replica added in place of the first
  const shared = groups.filter((g) => g.replicas.includes(FIRST) && g.replicas.includes(SECOND));
  assert.ok(shared.length > 0);
  const storage = new ReferenceTarget().topology().nodes.filter((n) => n.role === 'storage');
  const logOf = Object.fromEntries(storage.map((n) => [n.id, readFileSync(join(out, 'nodes', n.id, 'node.log'), 'utf8')]));
  const all = Object.values(logOf).join('\n');
  for (const g of shared) {
    const added = new RegExp(`${g.id} term \\d+ adds log replica ([\\w-]+) in place of ${FIRST}`).exec(all);
    assert.ok(
      added,
      `${g.id}: no log replica added in place of ${FIRST}\n${all
        .split('\n')
        .filter((l) => l.includes(`${g.id} `))
        .join('\n')}`,
    );
    const l = added[1] as string;
    assert.ok(!g.replicas.includes(l), `${l} is not a replica of ${g.id}`);
    assert.match(all, new RegExp(`${g.id} term \\d+ removes ${FIRST}`));
    assert.match(all, new RegExp(`${g.id} term \\d+ adds ${FIRST} back`));
    assert.match(all, new RegExp(`${g.id} term \\d+ retires log replica ${l}`));
    // retired: its log renamed, not started again; the group's membership is its three storage replicas again
    assert.ok(existsSync(join(out, 'nodes', l, 'data', `${g.id}.logwal.retired`)), `${l}: ${g.id}.logwal.retired`);
    assert.ok(!existsSync(join(out, 'nodes', l, 'data', `${g.id}.logwal`)), `${l}: no ${g.id}.logwal left`);
    for (const id of g.replicas) {
      const configs = readWal(join(out, 'nodes', id, 'data', `${g.id}.wal`)).filter((e) => e.cmd.op === 'config');
      const last = configs[configs.length - 1]?.cmd;
      assert.ok(last?.op === 'config', `${id}: ${g.id} has config entries`);
      assert.deepEqual(
        last.members.map((m) => `${m.kind}:${m.id}`).sort(),
        g.replicas.map((x) => `storage:${x}`).sort(),
        `${id}: ${g.id} ends with its three storage replicas`,
      );
    }
  }

  // writes to keys of those groups were acknowledged while both nodes were off (after a new leader, if the second one led)
  const history = lines<Op>(join(out, 'history.ndjson'));
  const during = callsOf(history).filter((c) => c.invoke.f !== 'read' && c.invoke.time >= off2 + 1500 && c.done.time <= on2);
  for (const g of shared) {
    const acked = during.filter((c) => c.done.type === 'ok' && groupOf(c.invoke.key ?? '', groups).id === g.id);
    assert.ok(acked.length >= 3, `${g.id}: ${acked.length} writes acknowledged while ${FIRST} and ${SECOND} were off`);
  }
  const agree = result.checks.find((c) => c.name === 'replicas-agree');
  assert.equal(agree?.verdict, 'pass', agree?.summary);
});

// The same plan with log replicas turned off (target.options.log-replica-after: never):
// while both nodes are off, those groups have one storage replica of three, and no
// write to them can be acknowledged; the log replicas above are what kept them writing.
test('target.options.log-replica-after: never: no log replica is added, and the groups that lost two replicas acknowledge no write until one is back', {
  timeout: 150_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gameday-logreplica-'));
  const file = join(dir, 'never.yaml');
  const text = readFileSync('test/fixtures/short-log-replica.yaml', 'utf8');
  assert.match(text, /^ {2}name: reference$/m);
  writeFileSync(file, text.replace(/^ {2}name: reference$/m, '  name: reference\n  options: { log-replica-after: never }'));
  const out = join(dir, 'run');
  const r = await gameday(['run', file, '--seed', '7', '--out', out, '--quiet', '--json'], { env });
  const result = JSON.parse(r.stdout) as RunResult;
  for (const name of ['lost-writes', 'linearizable', 'replicas-agree', 'wal-reference'])
    assert.equal(result.checks.find((c) => c.name === name)?.verdict, 'pass', `${name}\n${verdicts(result)}`);
  const storage = new ReferenceTarget().topology().nodes.filter((n) => n.role === 'storage');
  const all = storage.map((n) => readFileSync(join(out, 'nodes', n.id, 'node.log'), 'utf8')).join('\n');
  assert.doesNotMatch(all, /adds log replica/);

  const faults = lines<FaultRecord>(join(out, 'faults.ndjson'));
  const at = (event: 'inject' | 'heal', node: string): number =>
    faults.find((x) => x.event === event && x.nodes.includes(node) && !x.error)?.time ?? Number.NaN;
  const [off2, on2] = [at('inject', SECOND), at('heal', SECOND)];
  assert.ok(off2 < on2, JSON.stringify(faults));
  const shared = groups.filter((g) => g.replicas.includes(FIRST) && g.replicas.includes(SECOND));
  const during = callsOf(lines<Op>(join(out, 'history.ndjson'))).filter((c) => c.invoke.f !== 'read' && c.invoke.time >= off2 + 1500 && c.done.time <= on2);
  for (const g of shared) {
    const tried = during.filter((c) => groupOf(c.invoke.key ?? '', groups).id === g.id);
    assert.ok(tried.length >= 3, `${g.id}: only ${tried.length} writes tried while both were off`);
    assert.deepEqual(
      tried.filter((c) => c.done.type === 'ok').map((c) => `${c.invoke.f} ${c.invoke.key}`),
      [],
      `${g.id}: a write acknowledged with one replica of three`,
    );
  }
});

// A log replica that fails while the replica it stands for is still away is replaced
// in turn, so the group survives a third loss: az1-store-1 off, its log replica
// (az1-store-2) off, then az2-store-2 off; the groups of all three write with their
// az3 replica and the second log replica.
test('a log replica that fails in turn is replaced by another; its groups survive a third loss; both log replicas retire; every check holds', {
  timeout: 180_000,
}, async () => {
  const out = tmp();
  const r = await gameday(['run', 'test/fixtures/short-log-replica-fails.yaml', '--seed', '7', '--out', out, '--quiet', '--json'], { env });
  const result = JSON.parse(r.stdout) as RunResult;
  assert.equal(r.code, 0, `exit ${r.code}\n${verdicts(result)}\n${r.stderr.slice(-2000)}`);
  const LOG = 'az1-store-2';
  const faults = lines<FaultRecord>(join(out, 'faults.ndjson'));
  const at = (event: 'inject' | 'heal', node: string): number =>
    faults.find((x) => x.event === event && x.nodes.includes(node) && !x.error)?.time ?? Number.NaN;
  const [off3, on3] = [at('inject', SECOND), at('heal', SECOND)];
  assert.ok(at('inject', LOG) < off3 && on3 < at('heal', LOG) && at('heal', LOG) < at('heal', FIRST), JSON.stringify(faults));
  const storage = new ReferenceTarget().topology().nodes.filter((n) => n.role === 'storage');
  const all = storage.map((n) => readFileSync(join(out, 'nodes', n.id, 'node.log'), 'utf8')).join('\n');
  const shared = groups.filter((g) => g.replicas.includes(FIRST) && g.replicas.includes(SECOND));
  assert.ok(shared.length > 0);
  const history = callsOf(lines<Op>(join(out, 'history.ndjson')));
  for (const g of shared) {
    const lines_ = all
      .split('\n')
      .filter((l) => l.includes(`${g.id} `))
      .join('\n');
    assert.match(all, new RegExp(`${g.id} term \\d+ adds log replica ${LOG} in place of ${FIRST}`), lines_);
    const second = new RegExp(`${g.id} term \\d+ adds log replica ([\\w-]+) in place of ${LOG}`).exec(all);
    assert.ok(second, `${g.id}: no log replica in place of the failed one\n${lines_}`);
    const l2 = second[1] as string;
    assert.ok(!g.replicas.includes(l2) && l2 !== LOG, `${l2} is another node`);
    assert.match(all, new RegExp(`${g.id} term \\d+ removes log replica ${LOG}`), lines_);
    assert.match(all, new RegExp(`${g.id} term \\d+ retires log replica ${LOG}`), lines_);
    assert.match(all, new RegExp(`${g.id} term \\d+ adds ${FIRST} back`), lines_);
    assert.match(all, new RegExp(`${g.id} term \\d+ retires log replica ${l2}`), lines_);
    // while the first replica, the failed log replica and the second replica were all off: writes acknowledged
    const acked = history.filter(
      (c) =>
        c.invoke.f !== 'read' && c.invoke.time >= off3 + 1500 && c.done.time <= on3 && c.done.type === 'ok' && groupOf(c.invoke.key ?? '', groups).id === g.id,
    );
    assert.ok(acked.length >= 3, `${g.id}: ${acked.length} writes acknowledged during the third loss\n${lines_}`);
  }
  assert.equal(result.verdict, 'pass', verdicts(result));
});
