// `leader-of:` selectors: planned with an empty node list and a seeded draw, refused
// (exit 2, naming the field) on a target that cannot say who leads or for a group it
// does not have; resolved at injection to the node that leads then.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTopology } from '../../targets/reference/layout.ts';
import { UsageError } from '../cli/errors.ts';
import { parseExperiment } from '../experiment/schema.ts';
import { leaderResolver } from '../faults/leader-of.ts';
import { formatPlan, makePlan, type PlanCapabilities } from './plan.ts';

const topo = buildTopology();
const caps: PlanCapabilities = { targetName: 'reference', leaders: true, groups: ['g0', 'g1', 'g2'] };
const exp = (target: string): NonNullable<ReturnType<typeof parseExperiment>['experiment']> => {
  const { experiment, problems } = parseExperiment(
    { title: 't', phases: { chaos: '20s' }, faults: [{ kind: 'power-off', target, every: '5s', hold: '2s' }] },
    'x.yaml',
  );
  assert.deepEqual(problems, []);
  return experiment!;
};

test('leader-of:random is planned without nodes, with a draw from the seed; the same seed draws the same', () => {
  const a = makePlan(exp('leader-of:random'), topo, 9, caps).faults;
  assert.ok(a.length >= 3);
  for (const f of a) {
    assert.deepEqual(f.nodes, []);
    assert.ok(f.leaderOf && f.leaderOf.group === undefined && f.leaderOf.pick >= 0 && f.leaderOf.pick < 1, JSON.stringify(f));
  }
  assert.deepEqual(makePlan(exp('leader-of:random'), topo, 9, caps).faults, a);
  assert.notDeepEqual(
    makePlan(exp('leader-of:random'), topo, 10, caps).faults.map((f) => f.leaderOf?.pick),
    a.map((f) => f.leaderOf?.pick),
  );
  assert.match(formatPlan({ seed: 9, chaosMs: 20_000, faults: a }), /power-off {2}the leader of a random group \(found at injection\)/);
  assert.equal(makePlan(exp('leader-of:g1'), topo, 9, caps).faults[0]?.leaderOf?.group, 'g1');
});

test('leader-of on a target that cannot say who leads, or naming a group it lacks, is bad input naming the field', () => {
  assert.throws(
    () => makePlan(exp('leader-of:random'), topo, 1, { targetName: 'etcd', leaders: false }),
    (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.equal(e.where, 'faults[0].target');
      assert.match(e.message, /leader-of:random needs a target that says who leads each group, and etcd does not/);
      assert.match(e.fix, /random-<role>/);
      return true;
    },
  );
  assert.throws(() => makePlan(exp('leader-of:g7'), topo, 1, caps), /no replication group "g7" in reference.*/);
  assert.throws(() => makePlan(exp('leader-of:random'), topo, 1), /needs a target that says who leads/);
});

test('at injection the leader of the drawn group is hit; one already faulted or down is passed over; none at all is an error', async () => {
  const up = new Set(['a', 'b', 'c']);
  let leaders: Record<string, string> = { g0: 'a', g1: 'b', g2: 'c' };
  const target = { name: 't', leaders: async (): Promise<Record<string, string>> => leaders };
  const cluster = { url: (id: string): string => `http://${id}`, isUp: (id: string): boolean => up.has(id) };
  const resolve = leaderResolver(target, cluster, [], 300);
  const f = { id: 'f1', kind: 'power-off' as const, selector: 'leader-of:random', nodes: [], atMs: 0, healAtMs: 1 };
  assert.deepEqual(await resolve({ ...f, leaderOf: { pick: 0.5 } }, new Set()), { nodes: ['b'], group: 'g1' });
  assert.deepEqual(await resolve({ ...f, leaderOf: { pick: 0.5 } }, new Set(['b'])), { nodes: ['c'], group: 'g2' });
  up.delete('a');
  assert.deepEqual(await resolve({ ...f, leaderOf: { pick: 0 } }, new Set()), { nodes: ['b'], group: 'g1' });
  assert.deepEqual(await resolve({ ...f, leaderOf: { group: 'g2', pick: 0 } }, new Set()), { nodes: ['c'], group: 'g2' });
  leaders = {};
  await assert.rejects(
    resolve({ ...f, leaderOf: { group: 'g2', pick: 0 } }, new Set()),
    /no leader of g2 that is up and not already faulted within 300 ms \(leaders seen: none\)/,
  );
});
