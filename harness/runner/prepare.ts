// Everything that can be decided before anything is started: the experiment, the
// seed, the target, the topology, the fault plan, the run folder's name. Bad input
// ends here with a UsageError (exit 2) and nothing started.

import { existsSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Target, Topology } from '../../targets/target.ts';
import type { AttachSpec, Discovered } from '../providers/docker/attach.ts';
import { UsageError } from '../cli/errors.ts';
import { checkProcesses, processesTopology } from '../providers/processes.ts';
import { loadExperiment } from '../experiment/load.ts';
import { formatMs } from '../experiment/duration.ts';
import { BUGS, LIMITS, PROVIDERS, scalePhases, type Bug, type Experiment } from '../experiment/schema.ts';
import { checkToxiproxyUrl } from '../faults/links.ts';
import { checkBuildFaults } from '../faults/upgrade.ts';
import { makePlan, type Plan } from '../schedule/plan.ts';
import { randomSeed } from '../schedule/rng.ts';
import { loadTarget } from './load-target.ts';
import { checkRunDir } from './run-dir.ts';

export interface RunOptions {
  readonly file: string;
  readonly seed?: number | undefined;
  readonly durationMs?: number | undefined;
  readonly out?: string | undefined;
  readonly provider?: string | undefined;
  readonly bugs?: readonly string[] | undefined;
  readonly quiet?: boolean | undefined;
  /** Drive this Toxiproxy server (loopback only) instead of the embedded one for network faults. */
  readonly toxiproxy?: string | undefined;
  /** docker: run the target's nodes from this image (e.g. one built from targets/reference/Dockerfile). */
  readonly nodeImage?: string | undefined;
}

export interface Prepared {
  readonly file: string;
  readonly experiment: Experiment;
  readonly seed: number;
  readonly runId: string;
  readonly runDir: string;
  readonly target: Target;
  readonly topology: Topology;
  readonly plan: Plan;
  /** --toxiproxy URL, checked to be a loopback http:// address. */
  readonly toxiproxy?: string;
  /** --node-image TAG (docker only). */
  readonly nodeImage?: string;
  /** provider attach: how the containers were asked for, and what was found (the topology is theirs). */
  readonly attached?: { readonly spec: AttachSpec; readonly found: Discovered };
}

export async function prepare(opts: RunOptions): Promise<Prepared> {
  let exp = loadExperiment(opts.file);
  if (opts.durationMs !== undefined) {
    if (!(opts.durationMs > 0)) throw new UsageError(`--duration must be positive, got ${opts.durationMs} ms`, 'use a duration such as --duration 30s');
    const [b, c, r] = scalePhases(exp.phases.baselineMs, exp.phases.chaosMs, exp.phases.recoveryMs, opts.durationMs);
    exp = { ...exp, phases: { baselineMs: b, chaosMs: c, recoveryMs: r } };
  }
  if (opts.provider !== undefined) {
    if (!(PROVIDERS as readonly string[]).includes(opts.provider))
      throw new UsageError(`unknown provider "${opts.provider}"`, `use --provider ${PROVIDERS.join(' or --provider ')}`);
    exp = { ...exp, provider: opts.provider as Experiment['provider'], attach: undefined, processes: undefined };
  }
  if (opts.bugs && opts.bugs.length > 0) {
    if (exp.target.module !== undefined || exp.target.name !== 'reference')
      throw new UsageError(
        `--bug starts the bundled reference cluster in an unsafe mode, and this experiment tests ${exp.target.module ?? exp.target.name}`,
        'leave out --bug (a target of your own takes its settings in target.options)',
        '--bug',
      );
    for (const b of opts.bugs) if (!(BUGS as readonly string[]).includes(b)) throw new UsageError(`unknown bug mode "${b}"`, `use one of: ${BUGS.join(', ')}`);
    exp = { ...exp, target: { ...exp.target, bugs: [...new Set([...exp.target.bugs, ...(opts.bugs as Bug[])])] } };
  }
  if (opts.toxiproxy !== undefined) {
    try {
      checkToxiproxyUrl(opts.toxiproxy);
    } catch {
      throw new UsageError(
        `--toxiproxy ${opts.toxiproxy} is not an http:// URL on a loopback address`,
        'pass e.g. --toxiproxy http://127.0.0.1:8474 (faults send traffic to loopback only)',
      );
    }
  }
  if (opts.nodeImage !== undefined) {
    if (exp.provider !== 'docker') throw new UsageError('--node-image is for the docker provider', 'add --provider docker, or leave out --node-image');
    if (!/^[\w][\w.\-/:@]*$/.test(opts.nodeImage))
      throw new UsageError(`--node-image "${opts.nodeImage}" is not an image reference`, 'pass a tag such as gameday-reference-node-main:dockerfile');
  }
  const seed = opts.seed ?? exp.seed ?? randomSeed();
  if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 32 - 1)
    throw new UsageError(`--seed must be a whole number from 0 to 4294967295, got ${seed}`, 'pass e.g. --seed 42');
  if (exp.load) {
    // the k6 script, from the experiment file's folder, and k6 itself: both before anything starts
    const script = resolve(dirname(resolve(opts.file)), exp.load.k6);
    if (!existsSync(script))
      throw new UsageError(
        `no k6 script at ${script}`,
        'give the path of a k6 script, relative to the experiment file (experiments/k6/reference.js is a ready one for the reference cluster)',
        `${opts.file}: load.k6`,
      );
    const { resolveCommand } = await import('../providers/docker/image.ts');
    if (!resolveCommand('k6'))
      throw new UsageError(
        'the experiment asks for k6 load, and no k6 is on PATH',
        'install k6 (https://grafana.com/docs/k6/latest/set-up/install-k6/) and put it on PATH, or remove load: from the experiment',
        `${opts.file}: load`,
      );
    exp = { ...exp, load: { ...exp.load, k6: script } };
  }
  const loaded = await loadTarget(exp, opts.file, seed);
  const target = loaded.target;
  exp = { ...exp, target: { ...exp.target, options: loaded.options } };
  let topology = target.topology(exp.target.options);
  let attached: Prepared['attached'];
  if (exp.provider === 'attach' && exp.attach) {
    // the containers make the topology; nothing is touched while they are looked at
    attached = await discoverOrExplain(exp.attach, opts.file);
    topology = attached.found.topology;
  }
  if (exp.provider === 'processes' && exp.processes) {
    // the processes the user runs make the topology; they must be running, on loopback
    const problems = checkProcesses(exp.processes, 'provider');
    if (problems.length > 0) {
      const lines = problems.map((p) => `${opts.file}: ${p.path}: ${p.message}\n    fix: ${p.fix}`);
      throw new UsageError(
        `${problems.length} problem${problems.length === 1 ? '' : 's'} with the processes to fault:\n  ${lines.join('\n  ')}`,
        problems[0]?.fix ?? 'fix provider.nodes',
      );
    }
    topology = processesTopology(exp.processes);
  }
  checkTrafficBound(exp, topology, opts.durationMs !== undefined);
  checkBuildFaults(exp, target, opts.file);
  const plan = planOrExplain(exp, topology, seed, opts, target);
  if (target.noLinkFaults !== undefined && exp.provider !== 'processes') {
    // on docker, partitions alone are packet drops in each node's own namespace: no proxy on the links
    const linkFault = plan.faults.find((f) => f.net !== undefined && f.kind !== 'partition');
    const proxied = opts.toxiproxy !== undefined || linkFault !== undefined || (exp.provider === 'local' && plan.faults.some((f) => f.net !== undefined));
    if (proxied) {
      const what =
        opts.toxiproxy !== undefined ? '--toxiproxy' : linkFault !== undefined ? `link faults (${linkFault.kind})` : 'partitions on the local provider';
      const fix =
        opts.toxiproxy !== undefined || linkFault !== undefined
          ? 'keep to power-off, pause and partition faults for this target (partitions with --provider docker)'
          : "run it with --provider docker (partitions are packet drops in each node's network namespace there), or keep to power-off and pause faults";
      throw new UsageError(
        `target ${target.name} cannot take ${what}: they need the fault proxy on its links, and ${target.noLinkFaults}`,
        fix,
        opts.toxiproxy !== undefined ? '--toxiproxy' : `${opts.file}: faults`,
      );
    }
  }
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  const name = basename(opts.file).replace(/\.(ya?ml|json)$/, '');
  const runId = `${stamp}-${name}-s${seed}`.replace(/[^\w.-]/g, '_');
  const runDir = resolve(opts.out ?? `runs/${runId}`);
  checkRunDir(runDir, '--out');
  return {
    file: opts.file,
    experiment: exp,
    seed,
    runId,
    runDir,
    target,
    topology,
    plan,
    ...(attached ? { attached } : {}),
    ...(opts.toxiproxy !== undefined ? { toxiproxy: opts.toxiproxy } : {}),
    ...(opts.nodeImage !== undefined ? { nodeImage: opts.nodeImage } : {}),
  };
}

/** provider attach: the containers found, or every problem with them (exit 2, nothing touched). */
async function discoverOrExplain(spec: AttachSpec, file: string): Promise<NonNullable<Prepared['attached']>> {
  const { dockerAvailable } = await import('../providers/docker/runtime.ts');
  const d = await dockerAvailable();
  if (!d.ok)
    throw new UsageError(
      `provider attach looks for containers in the local Docker, and no daemon answers: ${d.reason}`,
      'start Docker, check with `gameday doctor`',
      `${file}: provider`,
    );
  const attachModule = '../providers/docker/attach.ts'; // loaded only for attach runs (pulls in testcontainers)
  const m = (await import(attachModule)) as typeof import('../providers/docker/attach.ts');
  const found = await m.discover(spec, 'provider');
  if ('problems' in found) {
    const lines = found.problems.map((p) => `${file}: ${p.path}: ${p.message}\n    fix: ${p.fix}`);
    throw new UsageError(
      `${found.problems.length} problem${found.problems.length === 1 ? '' : 's'} with the containers to attach to:\n  ${lines.join('\n  ')}`,
      found.problems[0]?.fix ?? 'fix provider',
    );
  }
  return { spec, found };
}

/** The canaries' operations must fit what the checks can hold: rate x canaries x the canary phases. */
function checkTrafficBound(exp: Experiment, topo: Topology, durationFlag: boolean): void {
  const canaries = topo.azs.length * topo.nodes.filter((n) => n.public).length;
  const ms = exp.phases.baselineMs + exp.phases.chaosMs + exp.phases.recoveryMs;
  const ops = (exp.canaries.rate * canaries * ms) / 1000;
  if (ops > LIMITS.operations) {
    throw new UsageError(
      `${canaries} canaries at ${exp.canaries.rate} ops/s for ${formatMs(ms)} would record ${Math.round(ops).toLocaleString('en')} operations; one run holds at most ${LIMITS.operations.toLocaleString('en')}`,
      `shorten the phases${durationFlag ? ' (--duration)' : ''} or lower canaries.rate`,
      durationFlag ? '--duration' : 'canaries.rate',
    );
  }
}

/** The fault plan; a problem in it is named in the experiment file (and says when --duration made chaos shorter). */
function planOrExplain(exp: Experiment, topo: Topology, seed: number, opts: RunOptions, target: Target): Plan {
  try {
    return makePlan(exp, topo, seed, {
      targetName: target.name,
      leaders: target.leaders !== undefined,
      ...(target.replicationGroups ? { groups: target.replicationGroups() } : {}),
    });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    const scaled = opts.durationMs !== undefined ? ` (--duration ${formatMs(opts.durationMs)} makes chaos ${formatMs(exp.phases.chaosMs)})` : '';
    throw new UsageError(`${err.message}${scaled}`, scaled ? `${err.fix}, or give a longer --duration` : err.fix, `${opts.file}: ${err.where ?? 'faults'}`);
  }
}
