// test: game-days (runs local game days; see test/run-tests.mjs)
// The embedded fault proxy and a real Toxiproxy are interchangeable: the same AZ
// partition game day, driven through a real Toxiproxy 2.12 server (../shared/bin, a
// build of Toxiproxy's own source) with --toxiproxy, passes its checks, and leaves
// none of its proxies behind on that server. Skipped, saying why, where the binary
// is not beside the clone (a user's fresh clone); CI has it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort } from '../harness/providers/ports.ts';
import type { RunResult } from '../harness/runner/result.ts';
import { gameday, repoRoot } from './cli.ts';

const server = join(repoRoot, '..', 'shared', 'bin', 'toxiproxy-server');
const skip = existsSync(server) ? false : `no real Toxiproxy at ${server} (../shared is beside the clone in CI only)`;
const env = { GAMEDAY_STATE_DIR: join(tmpdir(), 'gameday-e2e-state') };

test('an AZ partition game day through a real Toxiproxy 2.12 (--toxiproxy) passes, and its proxies are gone after it', {
  skip,
  timeout: 180_000,
}, async (t) => {
  const port = await freePort('127.0.0.1');
  const proc = spawn(server, ['-host', '127.0.0.1', '-port', String(port)], { stdio: 'ignore' });
  t.after(() => proc.kill('SIGKILL'));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const up = await fetch(`${url}/version`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const version = await (await fetch(`${url}/version`)).text();
  assert.match(version, /2\.12/, `a real Toxiproxy answers: ${version}`);
  const out = join(mkdtempSync(join(tmpdir(), 'gameday-real-toxiproxy-')), 'run');
  const r = await gameday(['run', 'test/fixtures/short-az-partition.yaml', '--seed', '5', '--toxiproxy', url, '--out', out, '--quiet'], { env });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as RunResult;
  assert.deepEqual(
    result.checks.map((c) => [c.name, c.verdict]),
    [
      ['lost-writes', 'pass'],
      ['linearizable', 'pass'],
      ['replicas-agree', 'pass'],
      ['wal-reference', 'pass'],
      ['availability', 'pass'],
      ['alarms', 'pass'],
    ],
  );
  const part = result.faults.find((f) => f.kind === 'partition');
  assert.ok(part && part.healedAtMs !== null && part.alarmOutcome === 'alarm', JSON.stringify(part));
  // the run's proxies were made on that server and removed at the end
  const proxies = (await (await fetch(`${url}/proxies`)).json()) as Record<string, unknown>;
  assert.deepEqual(
    Object.keys(proxies).filter((n) => n.startsWith(`gameday-${result.runId}`)),
    [],
  );
  assert.match(readFileSync(join(out, 'gameday.log'), 'utf8'), new RegExp(`127\\.0\\.0\\.1:${port}`), 'the run says which Toxiproxy it drove');
});
