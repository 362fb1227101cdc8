// The experiment: one plain value that shows the whole run (after Jepsen's test map
// and Chaos Toolkit's experiment document): what to run against, where, the canary
// traffic, the steady-state hypothesis, the fault method, the alarms. The zod schema
// below is the file's only definition: it parses the YAML document (kebab-case
// fields, durations as text) into the Experiment the harness runs (milliseconds,
// defaults filled in), the types are inferred from it, and experiments/schema.json
// is generated from it (npm run schema) for editors.

import { z } from 'zod';
import { type AlarmRule, reviewSpec, type StopCondition } from '../alarms/rules.ts';
import { alarmsSection, stopWhenField } from './alarm-rules.ts';
import { formatMs } from './duration.ts';
import { duration, durationRange, maybe, num, section, text } from './fields.ts';
import { NET_FAULT_KINDS, NODE_FAULT_KINDS, checkLinks, linkKindFields, partitionFields, toLink, type LinkFaultKind } from './net-fault.ts';
import { errorMap, said, toProblems, type Problem } from './problems.ts';

/** Rolling restarts of the nodes onto another build of the target (`to:`), and back as the heal. */
export const BUILD_FAULT_KINDS = ['upgrade', 'downgrade'] as const;
export const FAULT_KINDS = [...NODE_FAULT_KINDS, ...NET_FAULT_KINDS, ...BUILD_FAULT_KINDS] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const PROVIDERS = ['local', 'docker'] as const;
/** The checks a game day runs; each is on unless `checks:` turns it off. */
export const CHECKS = ['lost-writes', 'linearizable', 'replicas-agree', 'wal-reference', 'availability', 'alarms'] as const;
export type CheckName = (typeof CHECKS)[number];
export const TARGETS = ['reference', 'etcd', 'redis', 'http'] as const;
/** Built-in targets configured in target.options (checked by the target's own schema). */
const TARGETS_WITH_OPTIONS: readonly string[] = ['http', 'reference'];
export const BUGS = ['skip-fsync', 'ack-before-quorum', 'stale-reads', 'no-lease', 'vote-twice', 'forget-term'] as const;
export type Bug = (typeof BUGS)[number];

/** Bounds on what one game day can be: past them a run would exhaust memory or never end. */
export const LIMITS = {
  /** Longest phase, and longest baseline + chaos + recovery. */
  phaseMs: 24 * 3_600_000,
  /** Fault entries in one file. */
  faults: 1000,
  /** Injections in one plan (all entries together). */
  injections: 10_000,
  /** Canary operations one run may record (rate x canaries x canary phases): what the checks hold in memory. */
  operations: 2_000_000,
  /** Longest canary timeout and alarm window. */
  timeoutMs: 60_000,
  windowMs: 3_600_000,
  /** Calls one canary may have in flight. */
  inFlight: 5000,
  /** Shortest interval between injections of one fault. */
  everyMs: 100,
} as const;

/**
 * Which nodes a fault hits: random-node, random-az, random-<role> (random-storage,
 * random-router, ...), node:<id> (one named node), az:<name> (every node of an AZ at
 * the same instant), role:<role> (every node of it), leader-of:random / leader-of:<group>
 * (the node leading a replication group at the moment of injection: the target must
 * say who leads, Target.leaders).
 */
export type Selector = string;
/** What an upgrade or downgrade without a target restarts: every node of the cluster, one at a time. */
export const ALL_NODES = 'all-nodes';
const SELECTOR = /^(random-[\w.-]+|node:[\w.-]+|az:[\w.-]+|role:[\w.-]+|leader-of:[\w.-]+)$/;
const selector = z
  .string({ error: (iss) => (iss.input === undefined ? undefined : said(`must be a non-empty string, got ${JSON.stringify(iss.input)}`, 'quote the text')) })
  .regex(SELECTOR, {
    error: (iss) =>
      said(
        `unknown node selector ${JSON.stringify(iss.input)}`,
        'use random-node, random-az, random-<role> (e.g. random-storage), node:<id>, az:<name>, role:<role> or leader-of:random',
      ),
  })
  .meta({
    description:
      'which nodes: random-node, random-az, random-<role>, node:<id>, az:<name>, role:<role>, or leader-of:random / leader-of:<group> (the leader at the moment of injection)',
  });

/** The fields every fault entry has. */
const faultFields = {
  target: selector.optional(),
  start: duration({ max: LIMITS.phaseMs }).prefault('1s').meta({ description: 'first injection, from the start of chaos' }),
  every: duration({ min: LIMITS.everyMs, max: LIMITS.phaseMs })
    .prefault('8s')
    .meta({ description: 'time between the starts of successive injections (±10% with the seed)' }),
  count: num({ min: 1, max: LIMITS.injections, int: true }).optional().meta({ description: 'at most this many injections (default: as many as fit in chaos)' }),
  hold: durationRange(LIMITS.phaseMs).prefault(['2s', '4s']).meta({ description: 'how long each injection lasts before its heal: a duration or [min, max]' }),
};

const nodeFault = z.strictObject({ kind: z.literal(NODE_FAULT_KINDS), ...faultFields });
const buildFault = z.strictObject({
  kind: z.literal(BUILD_FAULT_KINDS),
  ...faultFields,
  to: text({ missing: "name the build to roll onto, e.g. to: v2 (gameday targets lists a target's builds)" }).meta({
    description: 'the build the nodes are restarted onto, one at a time (the heal rolls them back)',
  }),
  step: duration({ max: LIMITS.phaseMs }).prefault('1s').meta({ description: 'pause after each node is back before the next one goes' }),
});
const partitionFault = z.strictObject({ kind: z.literal('partition'), ...faultFields, ...partitionFields }).check((ctx) => {
  const f = ctx.value;
  const at = (message: string, fix: string): void => void ctx.issues.push({ code: 'custom', path: ['target'], input: f.target, message: said(message, fix) });
  if (f.target === undefined) return;
  if (f.shape !== 'isolate-node' && f.shape !== 'isolate-az')
    at(`is not used by shape ${f.shape}`, 'remove it (only isolate-node and isolate-az take a target)');
  else if (f.shape === 'isolate-az' && !/^(random-az|az:[\w.-]+)$/.test(f.target))
    at(`isolate-az needs an AZ, got "${f.target}"`, 'use random-az or az:<name>');
  else if (f.shape === 'isolate-node' && /^(random-az|az:.*)$/.test(f.target))
    at(`isolate-node needs one node, got "${f.target}"`, 'use random-node, random-storage, random-router or node:<id> (or shape: isolate-az)');
});
const linkFault = <K extends LinkFaultKind>(kind: K) =>
  z.strictObject({ kind: z.literal(kind), ...faultFields, ...(linkKindFields[kind] as (typeof linkKindFields)[K]) }).check((ctx) => {
    checkLinks(
      ctx.value as Parameters<typeof checkLinks>[0],
      (path, message, fix) => void ctx.issues.push({ code: 'custom', path, input: ctx.value, message: said(message, fix) }),
    );
  });

const FAULT_EXAMPLE = 'write a fault such as {kind: power-off, target: random-storage, every: 6s, hold: [2s, 4s]}';
const faultEntry = z
  .discriminatedUnion(
    'kind',
    [
      nodeFault,
      buildFault,
      partitionFault,
      linkFault('latency'),
      linkFault('bandwidth'),
      linkFault('reset-peer'),
      linkFault('slow-close'),
      linkFault('limit-data'),
      linkFault('slicer'),
    ],
    { error: (iss) => ((iss as { code: string }).code === 'invalid_type' && iss.input === null ? said('is empty', FAULT_EXAMPLE) : undefined) },
  )
  .transform((f) => {
    const partition = f.kind === 'partition' ? { shape: f.shape, oneWay: f['one-way'], reject: f.reject } : undefined;
    const link = 'stream' in f ? toLink(f) : undefined;
    const build = f.kind === 'upgrade' || f.kind === 'downgrade' ? { to: f.to, stepMs: f.step } : undefined;
    const dflt = partition?.shape === 'isolate-node' ? 'random-node' : partition?.shape === 'isolate-az' ? 'random-az' : build ? ALL_NODES : 'random-storage';
    const target: Selector = f.target ?? dflt;
    return {
      kind: f.kind as FaultKind,
      target,
      startMs: f.start,
      everyMs: f.every,
      count: f.count,
      holdMs: f.hold,
      ...(partition ? { partition } : {}),
      ...(link ? { link } : {}),
      ...(build ? { build } : {}),
    };
  });

const targetSection = section({
  name: z.enum(TARGETS).optional().meta({ description: 'a bundled target (default reference)' }),
  module: text().optional().meta({ description: "a target module of your own, from the experiment file's folder (e.g. ./my-target.ts)" }),
  options: maybe(z.record(z.string(), z.unknown())).meta({ description: 'the options of a target module, checked by its own schema' }),
  bugs: maybe(z.array(z.enum(BUGS))).meta({ description: 'unsafe modes of the bundled reference cluster' }),
}).transform((t, ctx) => {
  const issue = (path: string[], message: string, fix: string): void => void ctx.issues.push({ code: 'custom', path, input: t, message: said(message, fix) });
  const name = t.module ?? t.name ?? 'reference';
  const bugs = t.bugs ?? [];
  if (t.module !== undefined && t.name !== undefined)
    issue([], 'has both name and module', 'keep one: name: reference (the bundled cluster), or module: ./my-target.ts');
  if (t.module === undefined && t.options !== undefined && !TARGETS_WITH_OPTIONS.includes(name))
    issue(['options'], `the built-in target ${name} takes no options`, "remove target.options (the reference cluster's unsafe modes are target.bugs)");
  if (t.module === undefined && name !== 'reference' && t.bugs !== undefined)
    issue(['bugs'], `are unsafe modes of the bundled reference cluster, not of ${name}`, 'remove target.bugs');
  if (t.module !== undefined && bugs.length > 0)
    issue(['bugs'], 'are unsafe modes of the bundled reference cluster', 'remove target.bugs (a target of your own takes its settings in target.options)');
  const options: Readonly<Record<string, unknown>> = t.options ?? {};
  return { name, ...(t.module !== undefined ? { module: t.module } : {}), options, bugs: bugs as readonly Bug[] };
});

const phase = { max: LIMITS.phaseMs };
const phasesSection = section({
  baseline: duration(phase).prefault('5s').meta({ description: 'canary traffic before any fault' }),
  chaos: duration({ ...phase, positive: true })
    .prefault('20s')
    .meta({ description: 'the faults happen in this phase' }),
  recovery: duration(phase).prefault('8s').meta({ description: 'canary traffic after every fault is healed' }),
});

const weight = (d: number) => num({ min: 0 }).default(d);
const mixSection = section({ put: weight(4), get: weight(4), cas: weight(1.5), delete: weight(0), 'eventual-get': weight(0.5), insert: weight(1) })
  .meta({ description: 'relative weights of the operations' })
  .transform((m, ctx) => {
    const mix = { put: m.put, get: m.get, cas: m.cas, delete: m.delete, eventualGet: m['eventual-get'], insert: m.insert };
    if (Object.values(mix).reduce((a, b) => a + b, 0) <= 0)
      ctx.issues.push({ code: 'custom', input: m, message: said('all weights are zero', 'give at least one operation a positive weight') });
    return mix;
  });
const canariesSection = section({
  rate: num({ min: 0.1, max: 1000 }).default(20).meta({ description: 'operations per second issued by each canary (one per AZ x public endpoint)' }),
  keys: num({ min: 1, max: 100_000, int: true }).default(40).meta({ description: 'distinct keys the fleet works on' }),
  timeout: duration({ min: 50, max: LIMITS.timeoutMs }).prefault('2500ms'),
  'max-in-flight': num({ min: 1, max: LIMITS.inFlight, int: true })
    .optional()
    .meta({ description: 'calls one canary may have in flight (default: 2 x rate x timeout + 4)' }),
  mix: mixSection,
}).transform((c) => ({
  rate: c.rate,
  keys: c.keys,
  timeoutMs: c.timeout,
  ...(c['max-in-flight'] !== undefined ? { maxInFlight: c['max-in-flight'] } : {}),
  mix: c.mix,
}));

const perCheck = <T extends z.ZodType>(field: (name: CheckName) => T): Record<CheckName, T> =>
  Object.fromEntries(CHECKS.map((c) => [c, field(c)])) as Record<CheckName, T>;
const checksSection = section(perCheck(() => z.boolean().default(true))).meta({ description: 'every check runs unless turned off here (false)' });
const expectSection = section(
  perCheck((name) =>
    z
      .literal('fail', {
        error: (iss) =>
          said(
            `must be fail, got ${JSON.stringify(iss.input)}`,
            `write expect: { ${name}: fail } to pin a known weakness, or remove it (every check is expected to pass)`,
          ),
      })
      .optional(),
  ),
).meta({ description: 'checks pinned to fail (a known weakness): the run passes only while they fail' });

/** `provider: local | docker`, or `provider: { name: attach, ... }`: containers the user already runs (harness/providers/docker/attach.ts). */
const attachProvider = z
  .strictObject({
    name: z.literal('attach'),
    select: z
      .strictObject({ label: text({ missing: 'add label: key=value (e.g. com.docker.compose.project=shop)' }) })
      .optional()
      .meta({ description: 'every container carrying this label (key=value, or key)' }),
    containers: z
      .array(
        z.strictObject({
          container: text({ missing: 'add container: <name or id>' }),
          az: text().optional(),
          node: text().optional(),
          role: text().optional(),
        }),
      )
      .min(1)
      .optional()
      .meta({ description: 'or the containers one by one, each with its AZ unless it carries the AZ label' }),
    'az-label': text().default('gameday.az').meta({ description: "label holding a container's AZ" }),
    'node-label': text().default('gameday.node').meta({ description: 'label holding its node id (else its name)' }),
    'role-label': text().default('gameday.role').meta({ description: 'label holding its role, for fault selectors (else node)' }),
    port: num({ min: 1, max: 65535, int: true, missing: 'add port: <the port each container serves its endpoint on>' }).meta({
      description: 'the port each node serves its public endpoint on, inside its container',
    }),
    'ready-path': text().optional().meta({ description: 'HTTP path answering 200 when a node is ready (default: the port accepting TCP)' }),
    azs: z.array(text()).min(1).optional().meta({ description: 'the AZs expected (one without a node is a problem); default those found' }),
    network: text().optional().meta({ description: 'the network the canaries join, when the containers share several' }),
  })
  .transform((a, ctx) => {
    if ((a.select === undefined) === (a.containers === undefined)) {
      ctx.issues.push({
        code: 'custom',
        path: [],
        input: a,
        message: said(
          a.select === undefined ? 'names no containers' : 'has both select and containers',
          'give select: { label: key=value } or containers: [{ container: name, az: az1 }], one of the two',
        ),
      });
    }
    return {
      ...(a.select ? { select: a.select } : {}),
      ...(a.containers ? { containers: a.containers } : {}),
      azLabel: a['az-label'],
      nodeLabel: a['node-label'],
      roleLabel: a['role-label'],
      port: a.port,
      ...(a['ready-path'] !== undefined ? { readyPath: a['ready-path'] } : {}),
      ...(a.azs ? { azs: a.azs } : {}),
      ...(a.network !== undefined ? { network: a.network } : {}),
    };
  });
/** `provider: { name: processes, nodes: [...] }`: processes the user runs on this machine (harness/providers/processes.ts). */
const processesProvider = z
  .strictObject({
    name: z.literal('processes'),
    nodes: z
      .array(
        z.strictObject({
          id: z.string().regex(/^[\w.-]+$/, { message: said('must be a name of letters, digits, ".", "_" or "-"', 'e.g. id: etcd-1') }),
          az: text({ missing: 'add az: <its AZ>' }),
          role: text().optional(),
          endpoint: text({ missing: 'add endpoint: http://127.0.0.1:<port>' }).meta({ description: 'its public endpoint on loopback, http://127.0.0.1:2379' }),
          'pid-file': text({ missing: 'add pid-file: <the file holding its pid>' }).meta({
            description: 'the file holding its pid: what power-off (SIGKILL) and pause signal',
          }),
          'power-on': z.array(text()).min(1).meta({ description: 'the command that starts it again, e.g. [systemctl, start, etcd@1]' }),
          'power-off': z.array(text()).min(1).optional().meta({ description: 'the command that powers it off (default: SIGKILL to its pid)' }),
          'ready-path': text().optional().meta({ description: 'HTTP path answering 200 when it is ready (default: its port accepting TCP)' }),
        }),
      )
      .min(1),
  })
  .transform((p) => ({
    nodes: p.nodes.map((n) => ({
      id: n.id,
      az: n.az,
      role: n.role,
      endpoint: n.endpoint,
      pidFile: n['pid-file'],
      powerOn: n['power-on'],
      powerOff: n['power-off'],
      readyPath: n['ready-path'],
    })),
  }));
const providerField = z
  .union([
    z.enum(PROVIDERS),
    z.strictObject({ name: z.enum(PROVIDERS) }).transform((p) => p.name),
    attachProvider.transform((a) => ({ attach: a })),
    processesProvider.transform((p) => ({ processes: p })),
  ])
  .default('local')
  .meta({ description: 'where nodes run: local, docker, or { name: attach, select: { label: ... }, port: ... } for containers already running' });

const NO_FAULTS = 'add a fault such as {kind: power-off, target: random-storage, every: 6s, hold: [2s, 4s]}';

export const experimentSchema = z
  .strictObject({
    title: text({ missing: 'add a one-line title: what this game day tests' }).meta({ description: 'one line: what this game day tests' }),
    description: text().default(''),
    target: targetSection,
    provider: providerField,
    seed: num({ min: 0, max: 2 ** 32 - 1, int: true })
      .optional()
      .meta({ description: 'the seed of every random choice (--seed overrides; otherwise random, always printed)' }),
    duration: duration({ ...phase, positive: true })
      .optional()
      .meta({ description: 'scales the three phases to add up to this' }),
    phases: phasesSection,
    canaries: canariesSection,
    faults: maybe(
      z.array(faultEntry).max(LIMITS.faults, {
        error: (iss) =>
          said(
            `has ${(iss.input as unknown[]).length} entries; one game day takes at most ${LIMITS.faults}`,
            'give each kind of damage one entry with start, every and count, or split the file',
          ),
      }),
    ).meta({ description: 'the fault method: what damage, where, when, for how long' }),
    alarms: alarmsSection,
    'stop-when': stopWhenField,
    load: z
      .strictObject({
        k6: text({ missing: "add k6: ./load.js (a k6 script, from the experiment file's folder)" }).meta({
          description: 'a k6 script run beside the canaries for baseline, chaos and recovery',
        }),
        vus: num({ min: 1, max: 1000, int: true }).default(10).meta({ description: 'k6 virtual users' }),
      })
      .optional()
      .meta({
        description:
          'realistic load beside the canaries: a k6 script (k6 on PATH), given every public endpoint per AZ in GAMEDAY_URL_<AZ>_<ENDPOINT> and GAMEDAY_URLS',
      }),
    'steady-state': section({
      availability: num({ min: 0, max: 1 })
        .default(0.99)
        .meta({ description: 'availability every AZ x endpoint must reach in baseline and at the end of recovery' }),
    }),
    checks: checksSection,
    expect: expectSection,
  })
  .meta({ title: 'gameday experiment', description: 'A game day: the target, the canary traffic, the faults, the alarms (README "Experiment files").' })
  .transform((e, ctx) => {
    const issue = (path: (string | number)[], message: string, fix: string): void =>
      void ctx.issues.push({ code: 'custom', path, input: e, message: said(message, fix) });
    let { baseline: baselineMs, chaos: chaosMs, recovery: recoveryMs } = e.phases;
    if (e.duration !== undefined) [baselineMs, chaosMs, recoveryMs] = scalePhases(baselineMs, chaosMs, recoveryMs, e.duration);
    else if (baselineMs + chaosMs + recoveryMs > LIMITS.phaseMs)
      issue(
        ['phases'],
        `add up to ${formatMs(baselineMs + chaosMs + recoveryMs)}, more than one game day may last (${formatMs(LIMITS.phaseMs)})`,
        'shorten the phases, or split the game day into several runs',
      );
    if ((e.faults ?? []).length === 0 && ctx.issues.length === 0)
      issue(
        ['faults'],
        e.faults === undefined ? 'is missing: a game day without faults tests nothing' : 'is empty: a game day without faults tests nothing',
        NO_FAULTS,
      );
    const expect: Partial<Record<CheckName, 'fail'>> = {};
    for (const name of CHECKS) {
      if (e.expect[name] === undefined) continue;
      if (!e.checks[name]) issue(['expect', name], `is expected to fail, but checks.${name} turns it off`, 'remove one of the two');
      else expect[name] = 'fail';
    }
    return {
      title: e.title,
      description: e.description,
      target: e.target,
      provider: typeof e.provider === 'string' ? e.provider : 'attach' in e.provider ? ('attach' as const) : ('processes' as const),
      attach: typeof e.provider === 'object' && 'attach' in e.provider ? e.provider.attach : undefined,
      processes: typeof e.provider === 'object' && 'processes' in e.provider ? e.provider.processes : undefined,
      seed: e.seed,
      phases: { baselineMs, chaosMs, recoveryMs },
      canaries: e.canaries,
      faults: e.faults ?? [],
      alarms: reviewSpec(e.alarms),
      alarmRules: e.alarms,
      stopWhen: stopWhen(e.alarms, e['stop-when'] ?? [], issue),
      steadyStateAvailability: e['steady-state'].availability,
      load: e.load,
      checks: e.checks as Record<CheckName, boolean>,
      expect,
    };
  });

/** Stop conditions naming rules that exist. */
function stopWhen(
  rules: readonly AlarmRule[],
  list: readonly { alarm: string; for: number }[],
  issue: (path: (string | number)[], message: string, fix: string) => void,
): StopCondition[] {
  const names = rules.map((r) => r.name);
  return list.flatMap((c, i) => {
    if (names.includes(c.alarm)) return [{ alarm: c.alarm, forMs: c.for }];
    issue(['stop-when', i, 'alarm'], `names no rule: ${JSON.stringify(c.alarm)}`, `use the name of a rule in alarms: ${names.join(', ')}`);
    return [];
  });
}

type DeepReadonly<T> = T extends (...args: never[]) => unknown ? T : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

/** A game day as the harness runs it: milliseconds, defaults filled in (experimentSchema's output). */
export type Experiment = DeepReadonly<z.output<typeof experimentSchema>>;
/** One fault entry: kind, target, startMs, everyMs, count, holdMs [min, max], and a network fault's partition or link. */
export type FaultSpec = Experiment['faults'][number];
/** The canary traffic: rate per canary, keys, timeoutMs, maxInFlight, the operation mix. */
export type CanarySpec = Experiment['canaries'];
/** What the attribution review takes of the rules (harness/alarms/rules.ts reviewSpec): windowMs, errorRate, clearRate, minRequests. */
export type AlarmSpec = Experiment['alarms'];

/** Validates an experiment document (parsed YAML): the Experiment, or every problem with its field path and fix. */
export function parseExperiment(doc: unknown, _file: string): { experiment?: Experiment; problems: Problem[] } {
  const input = doc ?? {};
  const r = experimentSchema.safeParse(input, { error: errorMap, reportInput: true });
  if (r.success) return { experiment: r.data, problems: [] };
  return { problems: toProblems(r.error.issues, experimentSchema, input) };
}

/** Scales the three phases so they add up to `total`, keeping their proportions. */
export function scalePhases(b: number, c: number, rec: number, total: number): [number, number, number] {
  const sum = b + c + rec;
  const k = total / sum;
  const nb = Math.round(b * k);
  const nr = Math.round(rec * k);
  return [nb, total - nb - nr, nr];
}
