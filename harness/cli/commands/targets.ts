// gameday targets [experiment]: the built-in targets, what each promises and needs;
// or, given an experiment file, the target it names (built-in or a module of your
// own) as gameday sees it: AZs, nodes with their roles and ports, the selectors a
// fault can use, what it promises and which optional capabilities it has. A quick way
// to check a target module before the first game day on it (its problems: exit 2).
import type { CommandModule } from 'yargs';
import type { Target } from '../../../targets/target.ts';

interface Args {
  experiment: string | undefined;
  json: boolean | undefined;
}

/** What gameday knows of a target: enough to write faults against it. */
export function describeTarget(t: Target, options: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  const topo = t.topology(options);
  const roles = [...new Set(topo.nodes.map((n) => n.role))];
  return {
    name: t.name,
    promises: t.promises ?? 'linearizable-kv',
    azs: topo.azs,
    nodes: topo.nodes.map((n) => ({ id: n.id, az: n.az, role: n.role, public: n.public, ports: ['main', ...(n.ports ?? [])] })),
    selectors: [
      'random-node',
      'random-az',
      ...roles.map((r) => `random-${r}`),
      ...roles.map((r) => `role:${r}`),
      'node:<id>',
      'az:<name>',
      ...(t.leaders ? ['leader-of:random', ...(t.replicationGroups?.() ?? []).map((g) => `leader-of:${g}`)] : []),
    ],
    capabilities: {
      client: t.client !== undefined ? 'its own' : 'the HTTP key-value API',
      digests: t.digests !== undefined,
      archive: t.checkArchive !== undefined,
      replicaValues: t.replicaValues !== undefined,
      leaders: t.leaders !== undefined,
      builds: t.builds ? [...t.builds.available] : [],
    },
    checks: [
      'lost-writes',
      ...((t.promises ?? 'linearizable-kv') === 'linearizable-kv' ? ['linearizable'] : []),
      ...(t.digests ? ['replicas-agree'] : []),
      ...(t.digests && t.checkArchive ? ['wal-reference'] : []),
      'availability',
      'alarms',
    ],
  };
}

function format(d: Record<string, unknown>, needs?: string): string {
  const nodes = d['nodes'] as { id: string; az: string; role: string; public: boolean; ports: string[] }[];
  const caps = d['capabilities'] as Record<string, unknown>;
  return [
    `${String(d['name'])}: promises ${String(d['promises'])}; checks ${(d['checks'] as string[]).join(', ')}${needs ? `; needs ${needs}` : ''}`,
    `  AZs ${(d['azs'] as string[]).join(', ')}; ${nodes.length} nodes`,
    ...nodes.map((n) => `    ${n.id.padEnd(18)} ${n.az.padEnd(5)} ${n.role.padEnd(10)} ${n.public ? 'public' : '      '}  ports ${n.ports.join(', ')}`),
    `  fault selectors: ${(d['selectors'] as string[]).join(', ')}`,
    `  canary client: ${String(caps['client'])}; replica digests: ${caps['digests'] ? 'yes' : 'no'}; archive check: ${caps['archive'] ? 'yes' : 'no'}; replica values: ${caps['replicaValues'] ? 'yes' : 'no'}`,
  ].join('\n');
}

export const command: CommandModule<object, Args> = {
  command: 'targets [experiment]',
  describe: 'the built-in targets, what each promises and needs; with an experiment file, the target it names as gameday sees it (exit 2 on a problem)',
  builder: (y) =>
    y
      .positional('experiment', { type: 'string', describe: 'experiment file whose target (built-in or a module of your own) to describe' })
      .option('json', { type: 'boolean', describe: 'print the description as JSON' }),
  handler: async (a) => {
    // loaded here, not at the top: `gameday --help` loads every command module, and these bring zod and ioredis
    const [{ EtcdTarget, etcdMissing }, { RedisTarget, redisMissing }, { ReferenceTarget }, { loadExperiment }, { loadTarget }] = await Promise.all([
      import('../../../targets/etcd/target.ts'),
      import('../../../targets/redis/target.ts'),
      import('../../../targets/reference/target.ts'),
      import('../../experiment/load.ts'),
      import('../../runner/load-target.ts'),
    ]);
    if (a.experiment === undefined) {
      const ref = {
        ...describeTarget(new ReferenceTarget()),
        needs: 'Node only (local processes); Docker for --provider docker',
        bugs: ['skip-fsync', 'ack-before-quorum', 'stale-reads', 'no-lease', 'vote-twice', 'forget-term'],
        options: 'log-replica-after: <1s to 1h> | never (default 2s): how long a silent storage replica keeps its place before a log replica takes it',
      };
      const missing = etcdMissing();
      const etcd = {
        ...describeTarget(new EtcdTarget()),
        needs: `etcd 3.4+ on PATH (Debian: etcd-server): ${missing ?? 'found here'}; power-off and pause on local processes or docker; partitions on docker only (drops in each member's namespace); no link faults`,
      };
      const redisGone = redisMissing();
      const redis = {
        ...describeTarget(new RedisTarget()),
        needs: `redis-server, redis-sentinel and redis-cli 6+ on PATH (Debian: redis-server redis-sentinel): ${redisGone ?? 'found here'}; power-off and pause faults only (no partitions yet); local provider; promises no-lost-writes, which Redis with Sentinel does not keep (experiments/redis-failover.yaml)`,
      };
      if (a.json) process.stdout.write(JSON.stringify([ref, etcd, redis], null, 2) + '\n');
      else {
        process.stdout.write(
          `${format(ref, ref.needs)}\n  unsafe modes (--bug): ${ref.bugs.join(', ')}\n  options (target.options): ${ref.options}\n\n${format(etcd, etcd.needs)}\n\n${format(redis, redis.needs)}\n\n`,
        );
        process.stdout.write('A target of your own: target: { module: ./my-target.ts } in the experiment (README "Testing your own system").\n');
      }
      return;
    }
    const exp = loadExperiment(a.experiment);
    const { target, options } = await loadTarget(exp, a.experiment);
    const d = describeTarget(target, options);
    process.stdout.write(a.json ? JSON.stringify(d, null, 2) + '\n' : `${format(d)}\n`);
  },
};
