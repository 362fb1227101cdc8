// test: game-days (runs local game days; see test/run-tests.mjs)
// A harness that drives a separate Toxiproxy server (--toxiproxy URL) and is killed
// with SIGKILL mid-partition leaves its proxies there, blackholes in force. `gameday
// heal` removes exactly that run's proxies (gameday-<runId>.*), and leaves another
// user's proxy and its toxic alone. The "real Toxiproxy" here is `gameday toxiproxy`
// in its own process, which speaks the same API.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { Toxiproxy } from 'toxiproxy-node-client';
import { alive } from '../harness/runner/registry.ts';
import { gameday, repoRoot } from './cli.ts';

test('gameday heal removes the proxies a killed harness left on a separate Toxiproxy server, and only those', { timeout: 120_000 }, async (t) => {
  const base = mkdtempSync(join(tmpdir(), 'gameday-tpheal-'));
  const env = { ...process.env, GAMEDAY_STATE_DIR: join(base, 'state') };
  const server = spawn(process.execPath, ['--import', 'tsx', 'harness/cli/main.ts', 'toxiproxy', '--listen', '127.0.0.1:0', '--seed', '1'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => server.kill('SIGTERM'));
  let url = '';
  for await (const line of createInterface({ input: server.stdout })) {
    const m = /listening on (http:\/\/\S+)/.exec(line);
    if (m?.[1]) {
      url = m[1];
      break;
    }
  }
  assert.ok(url, 'the stand-in Toxiproxy started');
  const api = new Toxiproxy(url);
  const toxicsOf = async (name: string): Promise<{ name: string }[]> => (await (await fetch(`${url}/proxies/${name}/toxics`)).json()) as { name: string }[];
  // someone else's proxy on the same server, with a toxic of its own
  const theirs = await api.createProxy({ name: 'someone-else', listen: '127.0.0.1:0', upstream: '127.0.0.1:9' });
  await theirs.addToxic({ name: 'their-latency', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 100, jitter: 0 } });

  const out = join(base, 'run');
  const run = await gameday(['run', 'test/fixtures/short-az-partition.yaml', '--seed', '5', '--out', out, '--toxiproxy', url], {
    env,
    // SIGKILL as soon as the partition's toxics are in force
    onStderr: (err, kill) => /f1 partition/.test(err) && kill('SIGKILL'),
  });
  assert.equal(run.signal, 'SIGKILL', `the harness was killed mid-run, not finished:\n${run.stderr.slice(-2000)}`);
  const left = Object.keys(await api.getAll()).filter((n) => n.startsWith('gameday-'));
  assert.equal(left.length, 81, 'the killed run left its 81 proxies behind');
  const withToxics = await Promise.all(left.map(async (n) => (await toxicsOf(n)).length));
  assert.ok(
    withToxics.some((n) => n > 0),
    'and the partition is still in force',
  );

  const heal = await gameday(['heal'], { env });
  assert.equal(heal.code, 0, heal.stderr);
  assert.match(heal.stdout, /toxiproxy http:\/\/127\.0\.0\.1:\d+: removed 81 proxies/);
  const after = await api.getAll();
  assert.deepEqual(Object.keys(after), ['someone-else'], "only the run's proxies were removed");
  const kept = await toxicsOf('someone-else');
  assert.deepEqual(
    kept.map((x) => x.name),
    ['their-latency'],
    "another user's toxic is left alone",
  );
  const { pids } = JSON.parse(readFileSync(join(out, 'nodes', 'pids.json'), 'utf8')) as { pids: Record<string, number> };
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(Object.values(pids).filter(alive), [], 'no node process of the run is left');
  const again = await gameday(['heal'], { env });
  assert.match(again.stdout, /nothing to heal/);
});
