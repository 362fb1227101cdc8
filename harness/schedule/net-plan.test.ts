// Planning network faults: each partition shape gives the sides it promises
// (disjoint and covering, or sharing exactly one node for a bridge), the same seed
// gives the same sides, and bad fields are named.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTopology } from '../../targets/reference/layout.ts';
import { parseExperiment } from '../experiment/schema.ts';
import { formatPlan, makePlan, type PlannedFault } from './plan.ts';

const topo = buildTopology();
const all = topo.nodes.map((n) => n.id).sort();
const azOf = new Map(topo.nodes.map((n) => [n.id, n.az]));

function plan(faults: unknown[], seed = 1): readonly PlannedFault[] {
  const { experiment, problems } = parseExperiment({ title: 't', phases: { chaos: '20s' }, faults }, 'x.yaml');
  assert.deepEqual(problems, []);
  return makePlan(experiment!, topo, seed).faults;
}

const sides = (f: PlannedFault): [string[], string[]] => {
  assert.ok(f.net, `${f.id} has no sides`);
  return [[...f.net.sides[0]], [...f.net.sides[1]]];
};
const disjointCover = ([a, b]: [string[], string[]]): void => {
  assert.deepEqual(
    a.filter((x) => b.includes(x)),
    [],
    'sides are disjoint',
  );
  assert.deepEqual([...a, ...b].sort(), all, 'sides cover every node');
  assert.ok(a.length > 0 && b.length > 0, 'no side is empty');
};

test('isolate-node: one node against all the others', () => {
  for (const seed of [1, 2, 3]) {
    for (const f of plan([{ kind: 'partition', shape: 'isolate-node', every: '5s', hold: '2s' }], seed)) {
      const s = sides(f);
      disjointCover(s);
      assert.equal(s[0].length, 1);
    }
  }
  const [f] = plan([{ kind: 'partition', shape: 'isolate-node', target: 'node:az2-store-1', count: 1 }]);
  assert.deepEqual(sides(f!)[0], ['az2-store-1']);
  const [r] = plan([{ kind: 'partition', shape: 'isolate-node', target: 'random-router', count: 1 }]);
  assert.match(sides(r!)[0][0] ?? '', /router/);
});

test('isolate-az: a whole AZ against the others, canaries follow their AZ', () => {
  for (const f of plan([{ kind: 'partition', shape: 'isolate-az', every: '5s', hold: '2s' }], 9)) {
    const [a, b] = sides(f);
    disjointCover([a, b]);
    const az = azOf.get(a[0]!)!;
    assert.ok(a.every((id) => azOf.get(id) === az) && b.every((id) => azOf.get(id) !== az));
    assert.deepEqual(f.net?.azSides?.[0], [az]);
    assert.equal(f.net?.toxic, 'timeout');
    assert.deepEqual(f.net?.attributes, { timeout: 0 });
    assert.equal(f.net?.direction, 'both');
  }
  const [f] = plan([{ kind: 'partition', shape: 'isolate-az', target: 'az:az3', count: 1 }]);
  assert.deepEqual(f?.net?.azSides, [['az3'], ['az1', 'az2']]);
});

test('majority-minority: a minority of AZs against the majority, seeded', () => {
  const seen = new Set<string>();
  for (let seed = 0; seed < 12; seed++) {
    const [f] = plan([{ kind: 'partition', shape: 'majority-minority', count: 1 }], seed);
    const [a, b] = sides(f!);
    disjointCover([a, b]);
    assert.ok(a.length < b.length, 'the first side is the minority');
    const [minAz, majAz] = f!.net!.azSides!;
    assert.equal(minAz.length, 1);
    assert.equal(majAz.length, 2);
    seen.add(minAz[0]!);
  }
  assert.equal(seen.size, 3, 'every AZ ends up in the minority for some seed');
  assert.deepEqual(
    plan([{ kind: 'partition', shape: 'majority-minority', every: '3s' }], 5),
    plan([{ kind: 'partition', shape: 'majority-minority', every: '3s' }], 5),
    'same seed, same plan',
  );
});

test('bridge: two sides that share exactly one node and cover the rest', () => {
  for (let seed = 0; seed < 6; seed++) {
    const [f] = plan([{ kind: 'partition', shape: 'bridge', count: 1 }], seed);
    const [a, b] = sides(f!);
    const shared = a.filter((x) => b.includes(x));
    assert.equal(shared.length, 1);
    assert.deepEqual([...new Set([...a, ...b])].sort(), all);
    assert.ok(Math.abs(a.length - b.length) <= 1);
  }
});

test('random-halves: disjoint halves of the nodes, different across seeds', () => {
  const firsts = new Set<string>();
  for (let seed = 0; seed < 6; seed++) {
    const [f] = plan([{ kind: 'partition', shape: 'random-halves', count: 1 }], seed);
    const s = sides(f!);
    disjointCover(s);
    assert.equal(s[0].length, Math.floor(all.length / 2));
    firsts.add(s[0].sort().join());
  }
  assert.ok(firsts.size > 1);
});

test('one-way and reject variants; link faults between and from AZs', () => {
  const [ow] = plan([{ kind: 'partition', shape: 'isolate-az', target: 'az:az1', 'one-way': true, reject: true, count: 1 }]);
  assert.equal(ow?.net?.direction, 'a-to-b');
  assert.equal(ow?.net?.toxic, 'reset_peer');
  const [lat, bw] = plan([
    { kind: 'latency', from: 'az1', latency: '150ms', jitter: '50ms', count: 1 },
    { kind: 'bandwidth', between: ['az2', 'az3'], rate: 16, stream: 'downstream', count: 1, start: '2s' },
  ]);
  assert.deepEqual(lat?.net?.azSides, [['az1'], ['az2', 'az3']]);
  assert.deepEqual(lat?.net?.attributes, { latency: 150, jitter: 50 });
  assert.deepEqual(bw?.net?.azSides, [['az2'], ['az3']]);
  assert.equal(bw?.net?.stream, 'downstream');
  assert.match(formatPlan({ seed: 1, chaosMs: 20_000, faults: [lat!, bw!] }), /latency +az1 \| az2, az3 latency=150 jitter=50/);
  const [sl] = plan([{ kind: 'slicer', between: ['az1', 'az2'], 'average-size': 32, delay: '1ms', count: 1 }]);
  assert.deepEqual(sl?.net?.attributes, { average_size: 32, size_variation: 0, delay: 1000 });
});

test('bad network fault fields are named, with a fix', () => {
  const problems = (f: unknown): string[] => parseExperiment({ title: 't', faults: [f] }, 'x.yaml').problems.map((p) => `${p.path}: ${p.message}`);
  assert.deepEqual(problems({ kind: 'partition', shape: 'halves' }), ['faults[0].shape: unknown value "halves"']);
  assert.deepEqual(problems({ kind: 'partition', shape: 'bridge', target: 'az:az1' }), ['faults[0].target: is not used by shape bridge']);
  assert.deepEqual(problems({ kind: 'partition', shape: 'isolate-az', target: 'random-storage' }), [
    'faults[0].target: isolate-az needs an AZ, got "random-storage"',
  ]);
  assert.deepEqual(problems({ kind: 'partition', 'one-way': 'yes' }), ['faults[0].one-way: must be true or false, got "yes"']);
  assert.deepEqual(problems({ kind: 'latency', between: ['az1'] }), ['faults[0].between: needs exactly two AZs, got 1', 'faults[0].latency: is missing']);
  assert.deepEqual(problems({ kind: 'latency', latency: '1s' }), ['faults[0]: a latency fault needs the links it degrades']);
  assert.deepEqual(problems({ kind: 'bandwidth', from: 'az1', rate: 8, latency: '1s' }), ['faults[0].latency: unknown field "latency"']);
  assert.deepEqual(problems({ kind: 'power-off', shape: 'bridge' }), ['faults[0].shape: unknown field "shape"']);
  const { experiment } = parseExperiment({ title: 't', faults: [{ kind: 'latency', between: ['az1', 'az9'], latency: '5ms' }] }, 'x.yaml');
  assert.throws(() => makePlan(experiment!, topo, 1), /no AZ "az9"/);
});
