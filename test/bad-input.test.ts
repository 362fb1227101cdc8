// Bad input gets a message naming the problem and the fix, exit code 2, and nothing started.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gameday, repoRoot } from './cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'gameday-bad-'));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

const base = 'title: t\nphases: { baseline: 1s, chaos: 10s, recovery: 2s }\n';
const fault = (f: string): string => `${base}faults:\n  - ${f}\n`;
const many = (n: number): string => `${base}faults:\n${'  - { kind: power-off, target: random-storage, start: 1s, count: 1, hold: 1s }\n'.repeat(n)}`;
writeFileSync(join(dir, 'a-file'), 'x');
mkdirSync(join(dir, 'full'));
writeFileSync(join(dir, 'full', 'x'), 'x');

// [name, args, what the message must say (naming the field), append --out?]
const cases: [string, string[], RegExp, boolean?][] = [
  ['malformed YAML', [file('bad.yaml', 'title: x\nphases: [baseline: 3s\n')], /not valid YAML/],
  ['unknown field', [file('unknown.yaml', 'title: x\nphasez:\n  chaos: 3s\n')], /phasez.*unknown field[\s\S]*did you mean "phases"/],
  ['negative duration', [file('neg.yaml', 'title: x\nphases:\n  chaos: -5s\n')], /phases\.chaos: must not be negative/],
  [
    'reference option too short',
    [
      file(
        'lra.yaml',
        `${fault('{ kind: power-off, target: random-storage, start: 1s, count: 1, hold: 1s }')}target:\n  name: reference\n  options: { log-replica-after: 200ms }\n`,
      ),
    ],
    /target\.options\.log-replica-after: must be at least 1000 ms, got 200 ms[\s\S]*fix: use at least 1000ms/,
  ],
  [
    'unknown reference option',
    [
      file(
        'lra2.yaml',
        `${fault('{ kind: power-off, target: random-storage, start: 1s, count: 1, hold: 1s }')}target:\n  name: reference\n  options: { log-replica-afterr: 3s }\n`,
      ),
    ],
    /target\.options\.log-replica-afterr: unknown field[\s\S]*did you mean "log-replica-after"/,
  ],
  ['unknown target', [file('target.yaml', 'title: x\ntarget:\n  name: cassandra\n')], /target\.name: unknown value "cassandra"[\s\S]*use one of: reference/],
  [
    'unknown fault kind',
    [file('kind.yaml', 'title: x\nfaults:\n  - kind: power-of\n')],
    /faults\[0\]\.kind: unknown value "power-of"[\s\S]*did you mean "power-off"/,
  ],
  ['unknown node', [file('node.yaml', 'title: x\nfaults:\n  - kind: power-off\n    target: node:az9-store-1\n')], /no node "az9-store-1"/],
  [
    'leader-of on a target that cannot say who leads',
    [
      file(
        'leader-own.yaml',
        `title: x\ntarget: { module: ${join(repoRoot, 'test/fixtures/own-target/my-target.ts')} }\nfaults:\n  - { kind: power-off, target: leader-of:random, start: 1s, count: 1, hold: 1s }\n`,
      ),
    ],
    /faults\[0\]\.target: leader-of:random needs a target that says who leads each group, and \S+ does not[\s\S]*fix: select nodes with random-<role>/,
  ],
  [
    'leader-of a group the cluster lacks',
    [file('leader-g9.yaml', fault('{ kind: power-off, target: leader-of:g9, start: 1s, count: 1, hold: 1s }'))],
    /faults\[0\]\.target: no replication group "g9" in reference[\s\S]*leader-of:g0/,
  ],
  [
    'an upgrade to a build the target lacks',
    [file('upgrade-v3.yaml', fault('{ kind: upgrade, to: v3, start: 1s, count: 1, hold: 5s }'))],
    /faults\[0\]\.to: target reference has no build "v3"[\s\S]*use one of: v1, v2/,
  ],
  ['missing file', ['does/not/exist.yaml'], /cannot read experiment file/],
  // faults that would be cut short, dropped, or never happen
  ['no faults at all', [file('nofaults.yaml', base)], /faults: is missing: a game day without faults tests nothing/],
  ['an empty fault list', [file('emptyfaults.yaml', `${base}faults: []\n`)], /faults: is empty/],
  [
    'a hold that outlasts chaos',
    [file('hold.yaml', fault('{ kind: power-off, target: random-storage, start: 2s, count: 1, hold: 30s }'))],
    /faults\[0\]\.hold: holds up to 30s from \+2s, past the end of chaos \(chaos lasts 10s\)[\s\S]*fix: .*at least 32s/,
  ],
  [
    'a fault that starts after chaos',
    [file('late.yaml', fault('{ kind: power-off, target: random-storage, start: 12s, hold: 1s }'))],
    /faults\[0\]\.start: starts at \+12s, when chaos is over/,
  ],
  [
    'a count that does not fit',
    [file('count.yaml', fault('{ kind: power-off, target: random-storage, start: 1s, every: 3s, count: 4, hold: 1s }'))],
    /faults\[0\]\.count: 4 injections every 3s .* past the end of chaos/,
  ],
  [
    'a plan that would drop an injection',
    [file('drop.yaml', fault('{ kind: power-off, target: random-storage, start: 0s, every: 200ms, hold: 5s }'))],
    /faults\[0\]\.target: at \+[\d.]+m?s .*every node that random-storage can pick is already faulted[\s\S]*would be dropped/,
  ],
  [
    'a node fault on a busy node',
    [
      file(
        'busy.yaml',
        `${base}faults:\n  - { kind: power-off, target: az:az1, start: 1s, count: 1, hold: 4s }\n  - { kind: pause, target: node:az1-store-1, start: 2s, count: 1, hold: 1s }\n`,
      ),
    ],
    /faults\[1\]\.target: .*already faulted by f1/,
  ],
  // alarm rules and stop conditions
  [
    'an unknown rule kind',
    [file('rulekind.yaml', `${fault('{ kind: power-off, target: random-storage, start: 1s, count: 1, hold: 1s }')}alarms: { rules: [{ kind: error-rat }] }\n`)],
    /alarms\.rules\[0\]\.kind: unknown rule kind "error-rat"[\s\S]*use one of: error-rate, latency, burn-rate, az-outlier, absent/,
  ],
  [
    'a short window not shorter than the long one',
    [
      file(
        'burnwin.yaml',
        `${fault('{ kind: power-off, target: random-storage, start: 1s, count: 1, hold: 1s }')}alarms: { rules: [{ kind: burn-rate, slo: 0.999, windows: [{ long: 5m, short: 1h, factor: 14.4 }] }] }\n`,
      ),
    ],
    /alarms\.rules\[0\]\.windows\[0\]\.short: is not shorter than the long window/,
  ],
  [
    'an SLO outside (0, 1)',
    [
      file(
        'slo.yaml',
        `${fault('{ kind: power-off, target: random-storage, start: 1s, count: 1, hold: 1s }')}alarms: { rules: [{ kind: burn-rate, slo: 99.9 }] }\n`,
      ),
    ],
    /alarms\.rules\[0\]\.slo: must be between 0 and 1 \(exclusive\), got 99\.9[\s\S]*slo: 0\.999/,
  ],
  [
    'a stop condition naming no rule',
    [file('stop.yaml', `${fault('{ kind: power-off, target: random-storage, start: 1s, count: 1, hold: 1s }')}stop-when: [{ alarm: nope, for: 5s }]\n`)],
    /stop-when\[0\]\.alarm: names no rule: "nope"[\s\S]*use the name of a rule in alarms: error-rate/,
  ],
  [
    'duplicate rule names',
    [
      file(
        'dup.yaml',
        `${fault('{ kind: power-off, target: random-storage, start: 1s, count: 1, hold: 1s }')}alarms: { rules: [{ kind: absent }, { kind: absent }] }\n`,
      ),
    ],
    /alarms\.rules\[1\]\.name: "absent" is the name of rule 0 too/,
  ],
  ['1001 fault entries', [file('many.yaml', many(1001))], /faults: has 1001 entries; one game day takes at most 1000/],
  ['a 2 MB file', [file('huge.yaml', `${base}# ${'x'.repeat(2_000_000)}\n`)], /the experiment file is 2\.0 MB; at most 1 MB/],
  [
    'too many injections',
    [file('every.yaml', `title: t\nphases: { chaos: 2h }\nfaults:\n  - { kind: latency, from: az1, latency: 5ms, start: 0s, every: 100ms, hold: 50ms }\n`)],
    /faults\[0\]\.every: the plan has more than 10000 injections/,
  ],
  [
    'an expectation that is not fail',
    [file('expect.yaml', `${fault('{ kind: power-off, target: random-storage, hold: 1s }')}expect: { lost-writes: pass }\n`)],
    /expect\.lost-writes: must be fail, got "pass"/,
  ],
  // absurd sizes: bounded, with the bound in the message
  [
    'a 100000h phase',
    [file('long.yaml', fault('{ kind: power-off, target: random-storage, hold: 1s }').replace('chaos: 10s', 'chaos: 100000h'))],
    /phases\.chaos: must be at most 24h, got "100000h"/,
  ],
  [
    'phases adding up past a day',
    [
      file(
        'sum.yaml',
        `title: t\nphases: { baseline: 20h, chaos: 20h, recovery: 1s }\ncanaries: { rate: 0.1 }\nfaults:\n  - { kind: power-off, target: random-storage, hold: 1s }\n`,
      ),
    ],
    /phases: add up to 40h, more than one game day may last \(24h\)/,
  ],
  [
    'a rate of 5000 ops/s',
    [file('rate.yaml', `${base}canaries: { rate: 5000 }\nfaults:\n  - { kind: power-off, target: random-storage, hold: 1s }\n`)],
    /canaries\.rate: must be at most 1000, got 5000/,
  ],
  [
    'more operations than a run holds',
    [file('ops.yaml', `title: t\nphases: { chaos: 5h }\ncanaries: { rate: 200 }\nfaults:\n  - { kind: power-off, target: random-storage, hold: 1s }\n`)],
    /canaries\.rate: 9 canaries at 200 ops\/s for 5h0?m?.* would record [\d,]+ operations; one run holds at most 2,000,000/,
  ],
  [
    'a 10 minute canary timeout',
    [file('timeout.yaml', `${base}canaries: { timeout: 10m }\nfaults:\n  - { kind: power-off, target: random-storage, hold: 1s }\n`)],
    /canaries\.timeout: must be at most 1m/,
  ],
  [
    'an interval of 1 ms',
    [file('every1.yaml', fault('{ kind: power-off, target: random-storage, every: 1ms, hold: 1s }'))],
    /faults\[0\]\.every: must be at least 100 ms/,
  ],
  // flags
  ['negative --duration', ['experiments/power-off.yaml', '--duration=-3s'], /--duration: -3s is not a positive duration/],
  ['--duration -5s (a separate word)', ['experiments/power-off.yaml', '--duration', '-5s'], /--duration: -5s is not a positive duration/],
  ['--duration 100000h', ['experiments/power-off.yaml', '--duration', '100000h'], /--duration: 100000h is longer than one game day may last \(24h\)/],
  [
    '--duration too long for the traffic',
    ['experiments/power-off.yaml', '--duration', '20h'],
    /--duration: 9 canaries at 20 ops\/s for 20h would record 12,960,000 operations/,
  ],
  [
    '--duration too short for the faults',
    ['experiments/power-off.yaml', '--duration', '4s'],
    /faults\[0\]\.hold: .*past the end of chaos.*\(--duration 4s makes chaos 2\.6s\)/,
  ],
  ['--duration without a value', ['experiments/power-off.yaml', '--duration'], /--duration: needs a value/],
  ['--seed without a value', ['experiments/power-off.yaml', '--seed'], /--seed: needs a value/],
  ['--seed abc', ['experiments/power-off.yaml', '--seed', 'abc'], /--seed: must be a whole number from 0 to 4294967295, got "abc"/],
  ['--seed 1e3', ['experiments/power-off.yaml', '--seed', '1e3'], /--seed: must be a whole number .* got "1e3"/],
  ['--seed -1', ['experiments/power-off.yaml', '--seed', '-1'], /--seed: must be a whole number .* got "-1"/],
  ['--seed 1.5', ['experiments/power-off.yaml', '--seed', '1.5'], /--seed: must be a whole number .* got "1\.5"/],
  ['--seed 2^32', ['experiments/power-off.yaml', '--seed', '4294967296'], /--seed: must be a whole number .* got "4294967296"/],
  ['--seed given twice', ['experiments/power-off.yaml', '--seed', '1', '--seed', '2'], /--seed: given 2 times/],
  ['--bug without a value', ['experiments/power-off.yaml', '--bug'], /--bug: needs a value/],
  ['--provider without a value', ['experiments/power-off.yaml', '--provider'], /--provider: needs a value/],
  ['unknown option', ['experiments/power-off.yaml', '--sead', '3'], /Unknown argument: sead/],
  [
    'no Toxiproxy at --toxiproxy',
    ['experiments/az-partition.yaml', '--toxiproxy', 'http://127.0.0.1:2'],
    /no Toxiproxy answers at --toxiproxy http:\/\/127\.0\.0\.1:2: ECONNREFUSED/,
  ],
  ['non-loopback --toxiproxy', ['experiments/az-partition.yaml', '--toxiproxy', 'http://192.0.2.1:8474'], /not an http:\/\/ URL on a loopback address/],
  [
    '--node-image without docker',
    ['experiments/power-off.yaml', '--node-image', 'gameday-reference-node-main:dockerfile'],
    /--node-image is for the docker provider/,
  ],
  [
    '--node-image that is not built',
    ['experiments/power-off.yaml', '--provider', 'docker', '--node-image', 'gameday-no-such-image:nope'],
    /no such image in the local Docker|needs a Docker daemon/,
  ],
  ['unknown bug mode', ['experiments/power-off.yaml', '--bug', 'lose-everything'], /unknown bug mode "lose-everything"/],
  // every unwritable --out
  ['--out without a value', ['experiments/power-off.yaml', '--out'], /--out: needs a value/, false],
  [
    '--out under a regular file',
    ['experiments/power-off.yaml', '--out', join(dir, 'a-file', 'run')],
    /--out: cannot make .*a-file\/run: .*a-file is a file, not a folder/,
    false,
  ],
  ['--out that is a file', ['experiments/power-off.yaml', '--out', join(dir, 'a-file')], /--out: .*a-file is a file, not a folder/, false],
  ['--out under /proc', ['experiments/power-off.yaml', '--out', '/proc/gameday-run'], /--out: cannot write under \/proc \(E[A-Z]+\)/, false],
  ['--out under /sys', ['experiments/power-off.yaml', '--out', '/sys/gameday/run'], /--out: cannot write under \/sys \(E[A-Z]+\)/, false],
  ['--out a folder that is not empty', ['experiments/power-off.yaml', '--out', join(dir, 'full')], /--out: run folder .*full exists and is not empty/, false],
];

// the CLI runs as a user runs it (a child process each); four at a time
const pending: (() => void)[] = [];
let running = 0;
const limited = <T>(fn: () => Promise<T>): Promise<T> =>
  new Promise<T>((resolve) => {
    const go = (): void => {
      running++;
      void fn().then((v) => {
        running--;
        pending.shift()?.();
        resolve(v);
      });
    };
    if (running < 4) go();
    else pending.push(go);
  });
const runs = cases.map(([name, args, , out = true]) => {
  const dest = join(dir, `out-${name.replace(/\W/g, '_')}`);
  return { dest, result: limited(() => gameday(['run', ...args, ...(out ? ['--out', dest] : []), '--quiet'])) };
});

cases.forEach(([name, , re], i) => {
  test(`bad input: ${name} → exit 2, the field named with a fix, nothing started`, { timeout: 120_000 }, async () => {
    const run = runs[i] as (typeof runs)[number];
    const r = await run.result;
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, re);
    assert.match(r.stderr, /fix:/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(existsSync(run.dest), false, 'no run folder was created');
  });
});

test('the probe for a writable --out leaves nothing behind', async () => {
  await Promise.all(runs.map((r) => r.result));
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.startsWith('.gameday-probe')),
    [],
  );
});
