// Which system a game day tests: a built-in target (`target.name`: the bundled
// reference cluster, etcd, redis), or a
// target module of the user's own (`target.module`, a path from the experiment file's
// folder) that exports a Target or a factory from `target.options` to one. Everything
// wrong with it (no such file, nothing exported, options its own check refuses, a
// topology that cannot be run) is a UsageError naming the field: exit 2, nothing started.

import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EtcdTarget, etcdMissing } from '../../targets/etcd/target.ts';
import { RedisTarget, redisMissing } from '../../targets/redis/target.ts';
import { ReferenceTarget } from '../../targets/reference/target.ts';
import type { BugModes } from '../../targets/reference/config.ts';
import type { Target, TargetFactory, TargetProblem, Topology } from '../../targets/target.ts';
import { UsageError } from '../cli/errors.ts';
import type { Bug, Experiment } from '../experiment/schema.ts';

const BUG_FLAGS: Record<Bug, keyof BugModes> = { 'skip-fsync': 'skipFsync', 'ack-before-quorum': 'ackBeforeQuorum', 'stale-reads': 'staleReads' };
const CONTRACT = 'README "Testing your own system" shows the contract and a complete example';

export async function loadTarget(exp: Experiment, file: string): Promise<Target> {
  if (exp.target.module === undefined && exp.target.name === 'etcd') {
    const missing = etcdMissing();
    if (missing) throw new UsageError(`the etcd target runs etcd, and ${missing}`, 'install it (Debian: apt-get install etcd-server) or put an etcd 3.4+ binary on PATH', `${file}: target.name`);
    return new EtcdTarget();
  }
  if (exp.target.module === undefined && exp.target.name === 'redis') {
    const missing = redisMissing();
    if (missing) throw new UsageError(`the redis target runs Redis and Sentinel, and ${missing}`, 'install them (Debian: apt-get install redis-server redis-sentinel) or put redis-server, redis-sentinel and redis-cli 6+ on PATH', `${file}: target.name`);
    if (exp.provider !== 'local') throw new UsageError(`the redis target runs on the local provider only, so far (its nodes are local processes, not yet images), and this run asks for provider ${exp.provider}`, 'use --provider local (the default), and provider: local or none in the experiment file', `${file}: target.name`);
    return new RedisTarget();
  }
  if (exp.target.module === undefined) {
    const bugs: Record<string, boolean> = {};
    for (const b of exp.target.bugs) bugs[BUG_FLAGS[b]] = true;
    return new ReferenceTarget({ bugs: bugs as BugModes, flushIntervalMs: 5000 });
  }
  const where = `${file}: target.module`;
  const dir = dirname(resolve(file));
  const path = resolve(dir, exp.target.module);
  if (!existsSync(path)) throw new UsageError(`no target module at ${path}`, 'give target.module as a path from the experiment file\'s folder, e.g. ./my-target.ts', where);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(`the target module cannot be loaded: ${(err as Error).message.split('\n')[0]}`, 'fix the module so that Node can import it (TypeScript runs through tsx)', where);
  }
  const exported = mod['default'] ?? mod['target'];
  if (exported === undefined || exported === null) throw new UsageError(`${exp.target.module} exports no target`, `export default a Target, or a function from target.options to a Target; ${CONTRACT}`, where);
  let made: unknown;
  try {
    made = typeof exported === 'function' ? await (exported as TargetFactory)(exp.target.options, { dir }) : exported;
  } catch (err) {
    throw new UsageError(`the target module's factory threw: ${(err as Error).message}`, 'return { problems: [{ path, message, fix }] } for options it refuses, instead of throwing', where);
  }
  if (made !== null && typeof made === 'object' && Array.isArray((made as { problems?: unknown }).problems)) {
    const problems = (made as { problems: TargetProblem[] }).problems;
    const lines = problems.map((p) => `${file}: target.options${p.path ? `.${p.path}` : ''}: ${p.message}\n    fix: ${p.fix}`);
    throw new UsageError(`${problems.length} problem${problems.length === 1 ? '' : 's'} with the target's options:\n  ${lines.join('\n  ')}`, problems[0]?.fix ?? 'fix target.options');
  }
  return checkTarget(made, where);
}

/** The parts every target must have, and a topology a provider can run. */
function checkTarget(t: unknown, where: string): Target {
  const o = t as Partial<Target> | null;
  const missing = (['name', 'topology', 'launch'] as const).filter((k) => o === null || typeof o !== 'object' || o[k] === undefined);
  if (missing.length > 0) throw new UsageError(`the target has no ${missing.join(', ')}`, `a Target has name, topology(options) and launch(node, ctx); ${CONTRACT}`, where);
  const target = o as Target;
  let topo: Topology;
  try {
    topo = target.topology({});
  } catch (err) {
    throw new UsageError(`the target's topology() threw: ${(err as Error).message}`, 'make topology() return { region, azs, nodes }', where);
  }
  const problems: string[] = [];
  if (!Array.isArray(topo?.azs) || topo.azs.length === 0) problems.push('azs is empty');
  if (!Array.isArray(topo?.nodes) || topo.nodes.length === 0) problems.push('nodes is empty');
  else {
    const ids = new Set<string>();
    for (const n of topo.nodes) {
      if (typeof n.id !== 'string' || !/^[\w.-]+$/.test(n.id)) problems.push(`node id ${JSON.stringify(n.id)} is not a name of letters, digits, '.', '_' or '-'`);
      else if (ids.has(n.id)) problems.push(`node id ${n.id} is given twice`);
      else ids.add(n.id);
      if (!topo.azs.includes(n.az)) problems.push(`node ${n.id} is in AZ ${JSON.stringify(n.az)}, which azs does not list`);
      if (typeof n.role !== 'string' || !/^[\w.-]+$/.test(n.role)) problems.push(`node ${n.id} has no role (a name such as member or storage)`);
    }
    if (!topo.nodes.some((n) => n.public)) problems.push('no node is public (canaries need at least one endpoint)');
  }
  if (problems.length > 0) throw new UsageError(`the target's topology cannot run: ${problems.join('; ')}`, `fix topology(); ${CONTRACT}`, where);
  return target;
}
