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
import { repoRoot } from './cli.ts';

test('examples/compose: the services carry the selected label, one AZ each, and the attach experiment is valid', () => {
  const compose = parse(readFileSync(join(repoRoot, 'examples/compose/docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, { labels: Record<string, string>; command: string[]; image: string }> };
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
