// test: alone (runs game days or containers; see test/run-tests.mjs)
// After the harness is SIGKILLed in the middle of a partition, healDockerRun restores
// connectivity and removes everything of the run, and nothing else.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { healDockerRules, healDockerRun, leftovers } from './heal.ts';
import { readJournal } from './journal.ts';
import { dockerCli, run } from './runtime.ts';
import { dockerPs, dockerSkipReason, newRunId, probe } from './fixtures/probe.ts';

const child = fileURLToPath(new URL('./fixtures/crash-child.ts', import.meta.url));

interface ChildReport {
  readonly urls: Record<string, string>;
  readonly viaA: string;
}

function startHarness(runDir: string, runId: string) {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, runDir, runId], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
  const report = new Promise<ChildReport>((resolve, reject) => {
    createInterface({ input: proc.stdout }).on('line', (l) => l.startsWith('{') && resolve(JSON.parse(l) as ChildReport));
    proc.on('exit', (code) => reject(new Error(`crash-child exited (${code}) before it was ready:\n${stderr}`)));
  });
  return { proc, report };
}

test('heal after the harness was SIGKILLed mid-partition', { timeout: 90_000 }, async (t) => {
  const skip = await dockerSkipReason();
  if (skip) return void t.skip(skip);
  const runId = newRunId('crash');
  const runDir = mkdtempSync(join(tmpdir(), 'gameday-docker-crash-'));
  // a bystander with a similar name and no run label: heal must not touch it
  const bystander = `gameday-${runId}-bystander`;
  await run(dockerCli(), ['network', 'create', bystander]);
  try {
    const { proc, report } = startHarness(runDir, runId);
    const r = await report;
    proc.kill('SIGKILL');
    await new Promise((res) => proc.once('exit', res));

    const journal = readJournal(runDir);
    assert.equal(journal?.runId, runId);
    assert.equal(journal?.cuts.length, 4, 'the journal does not record the cut links');
    const cut = JSON.parse(((await probe(`${r.urls['n1']}/peer?to=n2&timeoutMs=600`, 3_000)) as { body: string }).body);
    assert.equal(cut.error, 'timeout', 'the partition should outlive the harness');
    assert.equal((await probe(`${r.viaA}/health`, 600)).ok, false);

    const rules = await healDockerRules(runDir);
    console.log(`# bench docker: heal rules after crash (${rules.chainsRemoved} chains): ${rules.ms.toFixed(0)} ms`);
    assert.deepEqual(rules.errors, []);
    assert.equal(rules.chainsRemoved, 3, 'cuts n1 ↔ n2 and gw:az-a ↔ n2 live in the chains of n1, n2 and gw:az-a');
    const back = JSON.parse(((await probe(`${r.urls['n1']}/peer?to=n2`)) as { body: string }).body);
    assert.equal(back.ok, true, `connectivity not restored: ${JSON.stringify(back)}`);
    assert.ok((await probe(`${r.viaA}/health`)).ok, 'the az-a canary path is still cut');

    const healed = await healDockerRun(runDir);
    console.log(`# bench docker: heal run after crash (remove ${healed.containersRemoved.length} containers): ${healed.ms.toFixed(0)} ms`);
    assert.equal(healed.containersRemoved.length, 6);
    assert.deepEqual(healed.errors, []);
    assert.deepEqual(await leftovers(runId), { containers: [], networks: [] });
    assert.deepEqual(await dockerPs(`gameday-${runId}`, true), []);
    assert.equal((await run(dockerCli(), ['network', 'inspect', bystander])).code, 0, 'heal removed a network without the run label');
    assert.equal(readJournal(runDir)?.state, 'stopped');
    const again = await healDockerRun(runId); // idempotent, by run id as well
    assert.deepEqual([again.containersRemoved.length, again.networksRemoved.length], [0, 0]);
  } finally {
    await run(dockerCli(), ['network', 'rm', bystander]);
    await healDockerRun(runId).catch(() => undefined);
  }
});
