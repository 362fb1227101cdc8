// End to end on Docker: a power-off game day and an AZ-partition game day with each
// node in its own container pass their checks, and afterwards nothing carrying the
// run's label (container, network) is left. Skipped, visibly, without a Docker daemon.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { dockerAvailable } from '../harness/providers/docker/runtime.ts';
import type { RunResult } from '../harness/runner/result.ts';
import { gameday } from './cli.ts';

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
    assert.ok(result.faults.some((f) => f.kind === kind && f.healedAtMs !== null), `a ${kind} was injected and healed`);
    for (const c of result.checks) assert.equal(c.verdict, 'pass', `${c.name}: ${c.summary}`);
    const left = (what: string): string => execFileSync('/usr/bin/docker', [what, 'ls', ...(what === 'container' ? ['-a'] : []), '-q', '--filter', `label=gameday.run=${result.runId}`], { encoding: 'utf8' }).trim();
    assert.equal(left('container'), '', 'no container of the run is left');
    assert.equal(left('network'), '', 'no network of the run is left');
  });
}
