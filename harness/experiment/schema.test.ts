// The experiment file's zod schema: a bad field is named by its path with the problem
// and a fix ("did you mean" for a misspelt name or value), every one at once; a good
// file comes out in milliseconds with every default filled in.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { parseExperiment } from './schema.ts';

const lines = (doc: unknown): string[] => parseExperiment(doc, 'x.yaml').problems.map((p) => `${p.path}: ${p.message} | fix: ${p.fix}`);

// [what, the document, its problems as "path: message | fix: fix"]
const cases: [string, unknown, string[]][] = [
  ['an empty file', null, ['title: is missing | fix: add a one-line title: what this game day tests']],
  ['a list, not a mapping', [], [': must be a mapping, got a list | fix: write the file as "key: value" lines']],
  [
    'an unknown field',
    { title: 't', faults: [{ kind: 'power-off', hold: '1s' }], phasez: {} },
    [
      'phasez: unknown field "phasez" | fix: did you mean "phases"? (allowed: title, description, target, provider, seed, duration, phases, canaries, faults, alarms, stop-when, load, steady-state, checks, expect)',
    ],
  ],
  [
    'a negative duration',
    { title: 't', faults: [{ kind: 'power-off', hold: '1s' }], phases: { chaos: '-5s' } },
    ['phases.chaos: must not be negative, got "-5s" | fix: use a positive duration such as 30s'],
  ],
  [
    'a zero chaos',
    { title: 't', faults: [{ kind: 'power-off', hold: '1s' }], phases: { chaos: '0s' } },
    ['phases.chaos: must be longer than zero | fix: use a positive duration such as 30s'],
  ],
  [
    'a duration that is not one',
    { title: 't', faults: [{ kind: 'power-off', hold: '1s' }], canaries: { timeout: true } },
    ['canaries.timeout: is not a duration: true | fix: write it like 500ms, 5s, 2m or 1m30s'],
  ],
  [
    'a duration past its bound',
    { title: 't', faults: [{ kind: 'power-off', hold: '1s' }], phases: { chaos: '100000h' } },
    ['phases.chaos: must be at most 24h, got "100000h" | fix: use a duration up to 24h'],
  ],
  [
    'a duration under its bound',
    { title: 't', faults: [{ kind: 'power-off', hold: '1s' }], alarms: { window: '1ms' } },
    ['alarms.window: must be at least 100 ms, got 1 ms | fix: use at least 100ms'],
  ],
  [
    'an unknown target',
    { title: 't', faults: [{ kind: 'power-off', hold: '1s' }], target: { name: 'cassandra' } },
    ['target.name: unknown value "cassandra" | fix: use one of: reference, etcd, redis, http'],
  ],
  [
    'name and module',
    { title: 't', faults: [{ kind: 'power-off', hold: '1s' }], target: { module: './x.ts', name: 'reference' } },
    ['target: has both name and module | fix: keep one: name: reference (the bundled cluster), or module: ./my-target.ts'],
  ],
  [
    'options for a built-in target',
    { title: 't', faults: [{ kind: 'power-off', hold: '1s' }], target: { name: 'etcd', options: { a: 1 } } },
    ["target.options: the built-in target etcd takes no options | fix: remove target.options (the reference cluster's unsafe modes are target.bugs)"],
  ],
  [
    'an unknown bug mode',
    { title: 't', faults: [{ kind: 'power-off', hold: '1s' }], target: { bugs: ['skip-fsink'] } },
    [
      'target.bugs[0]: unknown value "skip-fsink" | fix: use one of: skip-fsync, ack-before-quorum, stale-reads, no-lease, vote-twice, forget-term (did you mean "skip-fsync"?)',
    ],
  ],
  [
    'a seed out of range',
    { title: 't', faults: [{ kind: 'power-off', hold: '1s' }], seed: 1.5 },
    ['seed: must be a whole number, got 1.5 | fix: drop the fraction'],
  ],
  [
    'a rate past its bound',
    { title: 't', faults: [{ kind: 'power-off', hold: '1s' }], canaries: { rate: 5000 } },
    ['canaries.rate: must be at most 1000, got 5000 | fix: use a value <= 1000'],
  ],
  [
    'a mix of zeros',
    { title: 't', faults: [{ kind: 'power-off', hold: '1s' }], canaries: { mix: { put: 0, get: 0, cas: 0, 'eventual-get': 0, insert: 0 } } },
    ['canaries.mix: all weights are zero | fix: give at least one operation a positive weight'],
  ],
  [
    'a clear rate above the error rate',
    { title: 't', faults: [{ kind: 'power-off', hold: '1s' }], alarms: { 'clear-rate': 0.5 } },
    ['alarms.clear-rate: is above alarms.error-rate | fix: clear at a lower rate than the one that raises the alarm'],
  ],
  [
    'a check that is not true or false',
    { title: 't', faults: [{ kind: 'power-off', hold: '1s' }], checks: { alarms: 'no' } },
    ['checks.alarms: must be true or false, got "no" | fix: write true or false'],
  ],
  [
    'an expectation that is not fail',
    { title: 't', faults: [{ kind: 'power-off', hold: '1s' }], expect: { 'lost-writes': 'pass' } },
    [
      'expect.lost-writes: must be fail, got "pass" | fix: write expect: { lost-writes: fail } to pin a known weakness, or remove it (every check is expected to pass)',
    ],
  ],
  [
    'an expectation on a check turned off',
    { title: 't', faults: [{ kind: 'power-off', hold: '1s' }], expect: { 'lost-writes': 'fail' }, checks: { 'lost-writes': false } },
    ['expect.lost-writes: is expected to fail, but checks.lost-writes turns it off | fix: remove one of the two'],
  ],
  [
    'an unknown fault kind',
    { title: 't', faults: [{ kind: 'power-of' }] },
    [
      'faults[0].kind: unknown value "power-of" | fix: use one of: power-off, pause, upgrade, downgrade, partition, latency, bandwidth, reset-peer, slow-close, limit-data, slicer (did you mean "power-off"?)',
    ],
  ],
  [
    'a fault without kind',
    { title: 't', faults: [{ target: 'random-node' }] },
    [
      'faults[0].kind: is missing | fix: add kind: one of power-off, pause, upgrade, downgrade, partition, latency, bandwidth, reset-peer, slow-close, limit-data, slicer',
    ],
  ],
  [
    'an empty fault',
    { title: 't', faults: [null] },
    ['faults[0]: is empty | fix: write a fault such as {kind: power-off, target: random-storage, every: 6s, hold: [2s, 4s]}'],
  ],
  [
    'an unknown selector',
    { title: 't', faults: [{ kind: 'power-off', target: 'nowhere' }] },
    [
      'faults[0].target: unknown node selector "nowhere" | fix: use random-node, random-az, random-<role> (e.g. random-storage), node:<id>, az:<name>, role:<role> or leader-of:random',
    ],
  ],
  ['a range of one', { title: 't', faults: [{ kind: 'power-off', hold: [1] }] }, ['faults[0].hold: a range has exactly two durations | fix: write [2s, 5s]']],
  [
    'a range backwards',
    { title: 't', faults: [{ kind: 'power-off', hold: ['3s', '1s'] }] },
    ['faults[0].hold: the second duration is shorter than the first | fix: write [shorter, longer]'],
  ],
  [
    'a range with a bad end',
    { title: 't', faults: [{ kind: 'power-off', hold: [true, '1s'] }] },
    ['faults[0].hold[0]: is not a duration: true | fix: write it like 500ms, 5s, 2m or 1m30s'],
  ],
  [
    'a misspelt fault field',
    { title: 't', faults: [{ kind: 'power-off', strat: '1s' }] },
    ['faults[0].strat: unknown field "strat" | fix: did you mean "start"? (allowed: kind, target, start, every, count, hold)'],
  ],
  [
    'a partition target on a bridge',
    { title: 't', faults: [{ kind: 'partition', shape: 'bridge', target: 'az:az1' }] },
    ['faults[0].target: is not used by shape bridge | fix: remove it (only isolate-node and isolate-az take a target)'],
  ],
  [
    'a node for isolate-az',
    { title: 't', faults: [{ kind: 'partition', shape: 'isolate-az', target: 'random-storage' }] },
    ['faults[0].target: isolate-az needs an AZ, got "random-storage" | fix: use random-az or az:<name>'],
  ],
  [
    'an AZ for isolate-node',
    { title: 't', faults: [{ kind: 'partition', shape: 'isolate-node', target: 'az:az1' }] },
    ['faults[0].target: isolate-node needs one node, got "az:az1" | fix: use random-node, random-storage, random-router or node:<id> (or shape: isolate-az)'],
  ],
  [
    'a link fault with a target',
    { title: 't', faults: [{ kind: 'latency', from: 'az1', latency: '1s', target: 'random-node' }] },
    ['faults[0].target: is not used by latency | fix: name the links with between: [az1, az2] or from: az1'],
  ],
  [
    'a link fault with both between and from given',
    { title: 't', faults: [{ kind: 'latency', between: ['az1', 'az2'], from: 'az1', latency: '1s' }] },
    ['faults[0].between: and from are both given | fix: keep one: between: [az1, az2] or from: az1'],
  ],
  [
    'one AZ twice',
    { title: 't', faults: [{ kind: 'latency', between: ['az1', 'az1'], latency: '1s' }] },
    ['faults[0].between: names az1 twice | fix: name two different AZs'],
  ],
  ['a bandwidth without rate', { title: 't', faults: [{ kind: 'bandwidth', from: 'az1' }] }, ['faults[0].rate: is missing | fix: add rate: 64 (KB/s)']],
  [
    'an unknown stream',
    { title: 't', faults: [{ kind: 'latency', from: 'az1', latency: '1s', stream: 'up' }] },
    ['faults[0].stream: unknown value "up" | fix: use one of: downstream, upstream, both'],
  ],
];

for (const [name, doc, want] of cases) test(`bad field: ${name}`, () => assert.deepEqual(lines(doc), want));

test('every problem at once, each with its own path', () => {
  assert.deepEqual(
    parseExperiment(
      {
        title: 't',
        canaries: { rate: 0, keys: 0.5 },
        alarms: { window: 'soon' },
        faults: [
          { kind: 'pause', every: '1ms' },
          { kind: 'latency', from: 'az1' },
        ],
      },
      'x.yaml',
    ).problems.map((p) => p.path),
    ['canaries.rate', 'canaries.keys', 'faults[0].every', 'faults[1].latency', 'alarms.window'],
  );
});

test('experiments/power-off.yaml comes out in milliseconds, with the defaults filled in', () => {
  const { experiment, problems } = parseExperiment(parse(readFileSync(new URL('../../experiments/power-off.yaml', import.meta.url), 'utf8')), 'power-off.yaml');
  assert.deepEqual(problems, []);
  assert.deepEqual(experiment?.phases, { baselineMs: 5000, chaosMs: 24_000, recoveryMs: 8000 });
  assert.deepEqual(experiment?.target, { name: 'reference', options: {}, bugs: [] });
  assert.deepEqual(experiment?.canaries, { rate: 20, keys: 40, timeoutMs: 2500, mix: { put: 4, get: 4, cas: 1.5, delete: 0, eventualGet: 0.5, insert: 1 } });
  assert.deepEqual(experiment?.faults, [
    { kind: 'power-off', target: 'random-storage', startMs: 1000, everyMs: 5000, count: undefined, holdMs: [2000, 4000] },
    { kind: 'power-off', target: 'random-router', startMs: 3000, everyMs: 8000, count: 1, holdMs: [3000, 3000] },
  ]);
  assert.deepEqual(experiment?.alarms, { windowMs: 3000, errorRate: 0.2, clearRate: 0.1, minRequests: 5 });
  assert.deepEqual(experiment?.checks, {
    'lost-writes': true,
    linearizable: true,
    'replicas-agree': true,
    'wal-reference': true,
    availability: true,
    alarms: true,
  });
  assert.equal(experiment?.steadyStateAvailability, 0.99);
  assert.equal(experiment?.seed, undefined);
});

test('sections left empty take their defaults; duration scales the phases', () => {
  const { experiment } = parseExperiment(
    { title: 't', phases: null, canaries: null, duration: '74s', faults: [{ kind: 'partition', shape: 'isolate-node' }] },
    'x.yaml',
  );
  assert.deepEqual(experiment?.phases, { baselineMs: 11_212, chaosMs: 44_849, recoveryMs: 17_939 });
  assert.equal(experiment?.canaries.rate, 20);
  assert.deepEqual(experiment?.faults[0]?.partition, { shape: 'isolate-node', oneWay: false, reject: false });
  assert.equal(experiment?.faults[0]?.target, 'random-node');
});
