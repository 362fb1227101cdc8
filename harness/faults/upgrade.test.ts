// upgrade / downgrade: what is refused before anything starts (exit 2, naming the
// field), and the rolling restart itself: one node at a time onto the build, back as
// the heal, each started again by the provider after its build was chosen.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseExperiment } from '../experiment/schema.ts';
import { UsageError } from '../cli/errors.ts';
import type { StartedCluster } from '../providers/provider.ts';
import { buildAction, checkBuildFaults } from './upgrade.ts';

const exp = (fault: Record<string, unknown>, provider: unknown = 'local') => {
  const { experiment, problems } = parseExperiment(
    { title: 't', provider, phases: { chaos: '60s' }, faults: [{ start: '1s', count: 1, hold: '20s', ...fault }] },
    'x.yaml',
  );
  assert.deepEqual(problems, []);
  return experiment!;
};
const reference = { name: 'reference', builds: { current: 'v1', available: ['v1', 'v2'] }, useBuild: () => undefined };
const refused = (f: () => void, where: RegExp, message: RegExp): void =>
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof UsageError, String(e));
    assert.match(e.where ?? '', where);
    assert.match(e.message, message);
    return true;
  });

test('an upgrade without a second build, to a build the target lacks, or the wrong way, is bad input naming the field', () => {
  refused(
    () => checkBuildFaults(exp({ kind: 'upgrade', to: 'v2' }), { name: 'etcd' }, 'x.yaml'),
    /faults\[0\]\.kind/,
    /upgrade restarts the nodes onto another build, and target etcd has only one/,
  );
  refused(() => checkBuildFaults(exp({ kind: 'upgrade', to: 'v3' }), reference, 'x.yaml'), /faults\[0\]\.to/, /no build "v3"/);
  refused(() => checkBuildFaults(exp({ kind: 'upgrade', to: 'v1' }), reference, 'x.yaml'), /faults\[0\]\.to/, /upgrade to v1, and the cluster starts on v1/);
  refused(
    () => checkBuildFaults(exp({ kind: 'downgrade', to: 'v1' }), reference, 'x.yaml'),
    /faults\[0\]\.to/,
    /downgrade to v1, and the cluster starts on v1/,
  );
  // docker makes a node's container again from its new launch spec; attach has containers it did not make
  checkBuildFaults(exp({ kind: 'upgrade', to: 'v2' }, 'docker'), reference, 'x.yaml');
  refused(
    () => checkBuildFaults(exp({ kind: 'upgrade', to: 'v2' }, { name: 'attach', select: { label: 'app=shop' }, port: 8080 }), reference, 'x.yaml'),
    /provider/,
    /provider attach does not do/,
  );
  checkBuildFaults(exp({ kind: 'upgrade', to: 'v2' }), reference, 'x.yaml');
  assert.deepEqual(
    parseExperiment({ title: 't', faults: [{ kind: 'upgrade' }] }, 'x.yaml').problems.map((p) => p.path),
    ['faults[0].to'],
  );
});

test('the rolling restart takes one node at a time onto the build, and the heal rolls them back in reverse', async () => {
  const events: string[] = [];
  const build = new Map<string, string>();
  const target = { builds: reference.builds, useBuild: (n: string, b: string) => void build.set(n, b), buildOf: (n: string) => build.get(n) ?? 'v1' };
  const cluster = {
    powerOff: async (n: string) => void events.push(`off ${n}`),
    powerOn: async (n: string) => void events.push(`on ${n} ${target.buildOf(n)}`),
  } as unknown as StartedCluster;
  const a = buildAction(target)(
    { id: 'f1', kind: 'upgrade', selector: 'all-nodes', nodes: ['a', 'b'], atMs: 0, healAtMs: 1, build: { to: 'v2', stepMs: 0 } },
    cluster,
  );
  await a.inject();
  assert.deepEqual(events, ['off a', 'on a v2', 'off b', 'on b v2']);
  events.length = 0;
  await a.heal();
  assert.deepEqual(events, ['off b', 'on b v1', 'off a', 'on a v1']);
});
