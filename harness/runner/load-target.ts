// Which system a game day tests: a built-in target (`target.name`: the bundled
// reference cluster, etcd, redis), or a
// target module of the user's own (`target.module`, a path from the experiment file's
// folder) that exports a Target or a factory from `target.options` to one, and may
// export a schema for those options. Everything wrong with it (no such file, nothing
// exported, options its schema or its own check refuses, a topology that cannot be
// run) is a UsageError naming the field: exit 2, nothing started.

import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EtcdTarget, etcdMissing } from '../../targets/etcd/target.ts';
import { RedisTarget, redisMissing } from '../../targets/redis/target.ts';
import { ReferenceTarget } from '../../targets/reference/target.ts';
import { referenceOptions, type ReferenceSettings } from '../../targets/reference/options.ts';
import type { BugModes } from '../../targets/reference/config.ts';
import type { OptionsSchema, Target, TargetFactory, TargetProblem, Topology } from '../../targets/target.ts';
import { UsageError } from '../cli/errors.ts';
import type { Bug, Experiment } from '../experiment/schema.ts';
import { checkOptions, optionProblems } from './target-options.ts';
import { HttpTarget, httpOptions, type HttpOptions } from '../../targets/http/target.ts';

const BUG_FLAGS: Record<Bug, keyof BugModes> = {
  'skip-fsync': 'skipFsync',
  'ack-before-quorum': 'ackBeforeQuorum',
  'stale-reads': 'staleReads',
  'no-lease': 'noLease',
  'vote-twice': 'voteTwice',
  'forget-term': 'forgetTerm',
};
const CONTRACT = 'README "Testing your own system" shows the contract and a complete example';

/** The target, and its options as its schema gave them back (defaults filled in; as written when it has none). */
export interface LoadedTarget {
  readonly target: Target;
  readonly options: Readonly<Record<string, unknown>>;
}

export async function loadTarget(exp: Experiment, file: string, seed?: number): Promise<LoadedTarget> {
  const given = exp.target.options;
  if (exp.target.module === undefined && exp.target.name === 'etcd') {
    const missing = etcdMissing();
    if (missing)
      throw new UsageError(
        `the etcd target runs etcd, and ${missing}`,
        'install it (Debian: apt-get install etcd-server) or put an etcd 3.4+ binary on PATH',
        `${file}: target.name`,
      );
    return { target: new EtcdTarget(), options: given };
  }
  if (exp.target.module === undefined && exp.target.name === 'redis') {
    const missing = redisMissing();
    if (missing)
      throw new UsageError(
        `the redis target runs Redis and Sentinel, and ${missing}`,
        'install them (Debian: apt-get install redis-server redis-sentinel) or put redis-server, redis-sentinel and redis-cli 6+ on PATH',
        `${file}: target.name`,
      );
    if (exp.provider === 'attach')
      throw new UsageError(
        'the redis target starts its own nodes (it writes their configuration), so it cannot attach to running containers',
        'use provider local or docker',
        `${file}: provider`,
      );
    return { target: new RedisTarget(), options: given };
  }
  if (exp.target.module === undefined && exp.target.name === 'http') {
    const opts = (await checkOptions(httpOptions, given, file)) as HttpOptions;
    if (opts.nodes === undefined && exp.provider !== 'attach') {
      throw new UsageError(
        'target http has no nodes to start: target.options.nodes is missing',
        "give each node's command in target.options.nodes, or attach to the running service (provider: { name: attach, select: { label: ... }, port: ... })",
        `${file}: target.options.nodes`,
      );
    }
    // a command or file written relative (./server.mjs) is relative to the experiment file's folder
    const dir = dirname(resolve(file));
    const rel = (x: string): string => (x.startsWith('./') || x.startsWith('../') ? resolve(dir, x) : x);
    const nodes = opts.nodes?.map((n) => ({ ...n, command: n.command.map(rel), files: n.files.map((f) => resolve(dir, f)) }));
    return { target: new HttpTarget({ ...opts, ...(nodes ? { nodes } : {}) }), options: opts as unknown as Record<string, unknown> };
  }
  if (exp.target.module === undefined) {
    const bugs: Record<string, boolean> = {};
    for (const b of exp.target.bugs) bugs[BUG_FLAGS[b]] = true;
    const opts = (await checkOptions(referenceOptions, given, file)) as ReferenceSettings;
    return {
      target: new ReferenceTarget({
        bugs: bugs as BugModes,
        flushIntervalMs: 5000,
        ...(seed !== undefined ? { seed } : {}),
        logReplicaAfterMs: opts['log-replica-after'],
      }),
      options: opts as unknown as Record<string, unknown>,
    };
  }
  const where = `${file}: target.module`;
  const dir = dirname(resolve(file));
  const path = resolve(dir, exp.target.module);
  if (!existsSync(path))
    throw new UsageError(`no target module at ${path}`, "give target.module as a path from the experiment file's folder, e.g. ./my-target.ts", where);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(
      `the target module cannot be loaded: ${(err as Error).message.split('\n')[0]}`,
      'fix the module so that Node can import it (TypeScript runs through tsx)',
      where,
    );
  }
  const exported = mod['default'] ?? mod['target'];
  if (exported === undefined || exported === null)
    throw new UsageError(
      `${exp.target.module} exports no target`,
      `export default a Target, or a function from target.options to a Target; ${CONTRACT}`,
      where,
    );
  const schema =
    schemaOf(mod['options'], `${exp.target.module} exports options`, where) ??
    (typeof exported === 'object' ? schemaOf((exported as Partial<Target>).optionsSchema, 'its optionsSchema', where) : undefined);
  let options = schema ? await checkOptions(schema, given, file) : given;
  let made: unknown;
  try {
    made = typeof exported === 'function' ? await (exported as TargetFactory)(options, { dir }) : exported;
  } catch (err) {
    throw new UsageError(
      `the target module's factory threw: ${(err as Error).message}`,
      'return { problems: [{ path, message, fix }] } for options it refuses, instead of throwing',
      where,
    );
  }
  if (made !== null && typeof made === 'object' && Array.isArray((made as { problems?: unknown }).problems)) {
    throw optionProblems((made as { problems: TargetProblem[] }).problems, file);
  }
  const target = checkShape(made, where);
  // a factory's Target may carry the schema itself: its output is what topology() and the nodes get
  const late = schema === undefined ? schemaOf(target.optionsSchema, 'its optionsSchema', where) : undefined;
  if (late) options = await checkOptions(late, given, file);
  checkTopology(target, options, where);
  return { target, options };
}

/** A schema (zod, or any Standard Schema), when one is there; exit 2 for something else under that name. */
function schemaOf(v: unknown, what: string, where: string): OptionsSchema | undefined {
  if (v === undefined) return undefined;
  const std = v !== null && (typeof v === 'object' || typeof v === 'function') ? (v as { '~standard'?: { validate?: unknown } })['~standard'] : undefined;
  if (typeof std?.validate !== 'function')
    throw new UsageError(
      `${what}, but not as a schema`,
      `export const options = z.strictObject({ ... }) (zod, or any Standard Schema), or leave it out and check the options in the factory; ${CONTRACT}`,
      where,
    );
  return v as OptionsSchema;
}

/** The parts every target must have. */
function checkShape(t: unknown, where: string): Target {
  const o = t as Partial<Target> | null;
  const missing = (['name', 'topology', 'launch'] as const).filter((k) => o === null || typeof o !== 'object' || o[k] === undefined);
  if (missing.length > 0)
    throw new UsageError(`the target has no ${missing.join(', ')}`, `a Target has name, topology(options) and launch(node, ctx); ${CONTRACT}`, where);
  return o as Target;
}

/** A topology a provider can run. */
function checkTopology(target: Target, options: Readonly<Record<string, unknown>>, where: string): void {
  let topo: Topology;
  try {
    topo = target.topology(options);
  } catch (err) {
    throw new UsageError(`the target's topology() threw: ${(err as Error).message}`, 'make topology() return { region, azs, nodes }', where);
  }
  const problems: string[] = [];
  if (!Array.isArray(topo?.azs) || topo.azs.length === 0) problems.push('azs is empty');
  if (!Array.isArray(topo?.nodes) || topo.nodes.length === 0) problems.push('nodes is empty');
  else {
    const ids = new Set<string>();
    for (const n of topo.nodes) {
      if (typeof n.id !== 'string' || !/^[\w.-]+$/.test(n.id))
        problems.push(`node id ${JSON.stringify(n.id)} is not a name of letters, digits, '.', '_' or '-'`);
      else if (ids.has(n.id)) problems.push(`node id ${n.id} is given twice`);
      else ids.add(n.id);
      if (!topo.azs.includes(n.az)) problems.push(`node ${n.id} is in AZ ${JSON.stringify(n.az)}, which azs does not list`);
      if (typeof n.role !== 'string' || !/^[\w.-]+$/.test(n.role)) problems.push(`node ${n.id} has no role (a name such as member or storage)`);
    }
    if (!topo.nodes.some((n) => n.public)) problems.push('no node is public (canaries need at least one endpoint)');
  }
  if (problems.length > 0) throw new UsageError(`the target's topology cannot run: ${problems.join('; ')}`, `fix topology(); ${CONTRACT}`, where);
}
