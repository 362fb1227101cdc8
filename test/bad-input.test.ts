// Bad input gets a message naming the problem and the fix, exit code 2, and nothing started.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gameday } from './cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'gameday-bad-'));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

const cases: [string, string[], RegExp][] = [
  ['malformed YAML', [file('bad.yaml', 'title: x\nphases: [baseline: 3s\n')], /not valid YAML/],
  ['unknown field', [file('unknown.yaml', 'title: x\nphasez:\n  chaos: 3s\n')], /phasez.*unknown field[\s\S]*did you mean "phases"/],
  ['negative duration', [file('neg.yaml', 'title: x\nphases:\n  chaos: -5s\n')], /phases\.chaos: must not be negative/],
  ['unknown target', [file('target.yaml', 'title: x\ntarget:\n  name: cassandra\n')], /target\.name: unknown value "cassandra"[\s\S]*use one of: reference/],
  ['unknown fault kind', [file('kind.yaml', 'title: x\nfaults:\n  - kind: power-of\n')], /faults\[0\]\.kind: unknown value "power-of"[\s\S]*did you mean "power-off"/],
  ['unknown node', [file('node.yaml', 'title: x\nfaults:\n  - kind: power-off\n    target: node:az9-store-1\n')], /no node "az9-store-1"/],
  ['missing file', ['does/not/exist.yaml'], /cannot read experiment file/],
  ['negative --duration', ['experiments/power-off.yaml', '--duration=-3s'], /--duration -3s is not a positive duration/],
  ['unknown option', ['experiments/power-off.yaml', '--sead', '3'], /Unknown argument: sead/],
  ['no Toxiproxy at --toxiproxy', ['experiments/az-partition.yaml', '--toxiproxy', 'http://127.0.0.1:2'], /no Toxiproxy answers at --toxiproxy http:\/\/127\.0\.0\.1:2: ECONNREFUSED/],
  ['non-loopback --toxiproxy', ['experiments/az-partition.yaml', '--toxiproxy', 'http://192.0.2.1:8474'], /not an http:\/\/ URL on a loopback address/],
  ['--node-image without docker', ['experiments/power-off.yaml', '--node-image', 'gameday-reference-node-main:dockerfile'], /--node-image is for the docker provider/],
  ['--node-image that is not built', ['experiments/power-off.yaml', '--provider', 'docker', '--node-image', 'gameday-no-such-image:nope'], /no such image in the local Docker|needs a Docker daemon/],
  ['unknown bug mode', ['experiments/power-off.yaml', '--bug', 'lose-everything'], /unknown bug mode "lose-everything"/],
];

for (const [name, args, re] of cases) {
  test(`bad input: ${name} → exit 2, named problem and fix, nothing started`, async () => {
    const out = join(dir, `out-${name.replace(/\W/g, '_')}`);
    const r = await gameday(['run', ...args, '--out', out, '--quiet']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, re);
    assert.match(r.stderr, /fix:/);
    assert.equal(existsSync(out), false, 'no run folder was created');
  });
}
