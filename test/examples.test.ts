// The compose example (examples/compose/): every service carries the label the
// experiment selects by, an AZ and a node id, each AZ has one member, the members'
// --initial-cluster agrees, and the experiment file is valid. (test/attach-run.test.ts
// runs the same shape for real, started with docker run.)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { loadExperiment } from '../harness/experiment/load.ts';
import { gameday, repoRoot } from './cli.ts';

test('examples/compose: the services carry the selected label, one AZ each, and the attach experiment is valid', () => {
  const compose = parse(readFileSync(join(repoRoot, 'examples/compose/docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { labels: Record<string, string>; command: string[]; image: string }>;
  };
  const exp = loadExperiment(join(repoRoot, 'examples/compose/attach.yaml'));
  assert.equal(exp.provider, 'attach');
  const [key, value] = (exp.attach?.select?.label ?? '').split('=');
  const services = Object.entries(compose.services);
  assert.equal(services.length, 3);
  for (const [name, s] of services) {
    assert.equal(s.labels[key ?? ''], value, `${name} carries ${exp.attach?.select?.label}`);
    assert.equal(s.labels['gameday.node'], name);
    assert.match(s.labels['gameday.az'] ?? '', /^az[123]$/);
    assert.equal(s.image, 'gameday-example/etcd');
  }
  assert.deepEqual(services.map(([, s]) => s.labels['gameday.az']).sort(), ['az1', 'az2', 'az3']);
  const clusters = new Set(services.map(([, s]) => s.command[s.command.indexOf('--initial-cluster') + 1]));
  assert.equal(clusters.size, 1, 'every member is given the same --initial-cluster');
  assert.equal(exp.attach?.port, 2379);
});

test('examples/github-actions.yml: the game day it runs is a valid experiment and its options are accepted (plan only)', async () => {
  const wf = parse(readFileSync(join(repoRoot, 'examples/github-actions.yml'), 'utf8')) as {
    on: Record<string, unknown>;
    jobs: Record<string, { steps: { run?: string; uses?: string; with?: Record<string, string> }[] }>;
  };
  assert.ok('pull_request' in wf.on, 'runs on every pull request');
  const steps = Object.values(wf.jobs).flatMap((j) => j.steps);
  const run = steps.find((s) => s.run?.includes('gameday run'))?.run ?? '';
  const args = run
    .replace(/\$\{\{[^}]*\}\}/g, '1')
    .split(/\s+/)
    .slice(2);
  assert.equal(args[0], 'run');
  const r = await gameday([...args.filter((a) => a !== '--out' && !a.startsWith('runs/')), '--plan-only']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^seed \d+\n/);
  assert.ok(
    steps.some((s) => s.uses?.startsWith('actions/upload-artifact') && s.with?.['path'] === 'runs/'),
    'the run folder is uploaded',
  );
  assert.ok(
    steps.some((s) => s.with?.['report_paths'] === 'runs/*/junit.xml'),
    'the JUnit file is published',
  );
});
