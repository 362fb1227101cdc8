// The experiment: one plain value that shows the whole run (after Jepsen's test map
// and Chaos Toolkit's experiment document): what to run against, where, the canary
// traffic, the steady-state hypothesis, the fault method, the alarms.

import { isNetKind, LINK_FAULT_KINDS, NET_FAULT_KINDS, NODE_FAULT_KINDS, netFields, parseLink, parsePartition, type LinkFaultKind, type LinkSpec, type PartitionSpec } from './net-fault.ts';
import { formatMs } from './duration.ts';
import { Reader, join, type Problem } from './validate.ts';

export const FAULT_KINDS = [...NODE_FAULT_KINDS, ...NET_FAULT_KINDS] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const PROVIDERS = ['local', 'docker'] as const;
/** The checks a game day runs; each is on unless `checks:` turns it off. */
export const CHECKS = ['lost-writes', 'linearizable', 'replicas-agree', 'availability', 'alarms'] as const;
export type CheckName = (typeof CHECKS)[number];
export const TARGETS = ['reference'] as const;
export const BUGS = ['skip-fsync', 'ack-before-quorum', 'stale-reads'] as const;
export type Bug = (typeof BUGS)[number];

/**
 * Which nodes a fault hits: `random-storage`, `random-router`, `random-node`,
 * `node:<id>` (one named node) or `az:<name>` / `random-az` (every node of an AZ at the same instant).
 */
export type Selector = string;

export interface FaultSpec {
  readonly kind: FaultKind;
  readonly target: Selector;
  /** First injection, measured from the start of the chaos phase. */
  readonly startMs: number;
  /** Time between the starts of successive injections. */
  readonly everyMs: number;
  /** At most this many injections (default: as many as fit in the chaos phase). */
  readonly count: number | undefined;
  /** How long each injection lasts before its heal: [min, max], drawn from the seed. */
  readonly holdMs: readonly [number, number];
  /** kind partition: the shape and its variants (harness/experiment/net-fault.ts). */
  readonly partition?: PartitionSpec;
  /** link fault kinds (latency, bandwidth, ...): which links and the toxic. */
  readonly link?: LinkSpec;
}

export interface CanarySpec {
  /** Operations per second issued by each canary (one canary per AZ × public endpoint). */
  readonly rate: number;
  /** Number of distinct keys the fleet works on. */
  readonly keys: number;
  readonly timeoutMs: number;
  /** Calls one canary may have in flight (default: enough for all of them to time out at `rate`). */
  readonly maxInFlight?: number;
  /** Relative weights of the operations. */
  readonly mix: { readonly put: number; readonly get: number; readonly cas: number; readonly delete: number; readonly eventualGet: number; readonly insert: number };
}

export interface AlarmSpec {
  /** Sliding window over which the error rate is measured. */
  readonly windowMs: number;
  /** ALARM when the window's error rate is at or above this fraction... */
  readonly errorRate: number;
  /** ...and back to OK when it falls below this one (hysteresis). */
  readonly clearRate: number;
  /** No verdict on a window with fewer requests than this. */
  readonly minRequests: number;
}

export interface Experiment {
  readonly title: string;
  readonly description: string;
  /** The bundled target by `name`, or a target module of your own (`module`, resolved from the experiment file's folder) with its `options`. */
  readonly target: { readonly name: string; readonly module?: string; readonly options: Readonly<Record<string, unknown>>; readonly bugs: readonly Bug[] };
  readonly provider: (typeof PROVIDERS)[number];
  readonly seed: number | undefined;
  readonly phases: { readonly baselineMs: number; readonly chaosMs: number; readonly recoveryMs: number };
  readonly canaries: CanarySpec;
  readonly faults: readonly FaultSpec[];
  readonly alarms: AlarmSpec;
  /** Steady-state hypothesis: availability every AZ × endpoint must reach in baseline and at the end of recovery. */
  readonly steadyStateAvailability: number;
  /** Which checks run (all by default): `checks: { alarms: false }` turns one off. */
  readonly checks: Readonly<Record<CheckName, boolean>>;
  /**
   * Checks pinned to fail (a known weakness a CI job keeps an eye on): `expect: {
   * lost-writes: fail }`. Such a check counts as passing only when it fails, and the
   * run says so; when it passes instead, the run fails (the weakness is gone: unpin it).
   */
  readonly expect: Readonly<Partial<Record<CheckName, 'fail'>>>;
}

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

/** random-node, random-az, random-<role> (random-storage, random-router, ...), node:<id>, az:<name>, role:<role> (every node of it). */
const SELECTOR = /^(random-[\w.-]+|node:[\w.-]+|az:[\w.-]+|role:[\w.-]+)$/;

export function parseExperiment(doc: unknown, file: string): { experiment?: Experiment; problems: Problem[] } {
  const r = new Reader();
  const top = r.obj(doc ?? {}, '', ['title', 'description', 'target', 'provider', 'seed', 'duration', 'phases', 'canaries', 'faults', 'alarms', 'steady-state', 'checks', 'expect']);
  if (!top) return { problems: r.problems.length ? r.problems : [{ path: file, message: 'the file is empty', fix: 'start from experiments/power-off.yaml' }] };

  const title = r.str(top.title, 'title') ?? '';
  if (top.title === undefined) r.problem('title', 'is missing', 'add a one-line title: what this game day tests');
  const description = r.str(top.description, 'description', '') ?? '';

  const t = r.obj(top.target ?? {}, 'target', ['name', 'module', 'options', 'bugs']) ?? {};
  const module = r.str(t.module, 'target.module');
  if (module !== undefined && t.name !== undefined) r.problem('target', 'has both name and module', 'keep one: name: reference (the bundled cluster), or module: ./my-target.ts');
  const targetName = module !== undefined ? module : (r.oneOf(t.name, 'target.name', TARGETS, 'reference') ?? 'reference');
  const options = (t.options === undefined ? {} : r.obj(t.options, 'target.options', Object.keys((t.options ?? {}) as object))) ?? {};
  if (module === undefined && t.options !== undefined) r.problem('target.options', 'the bundled reference cluster takes no options', 'remove target.options (its unsafe modes are target.bugs)');
  const bugs = r.list(t.bugs, 'target.bugs').map((b, i) => r.oneOf(b, `target.bugs[${i}]`, BUGS)).filter((b): b is Bug => b !== undefined);
  if (module !== undefined && bugs.length > 0) r.problem('target.bugs', 'are unsafe modes of the bundled reference cluster', 'remove target.bugs (a target of your own takes its settings in target.options)');

  const provider = r.oneOf(top.provider, 'provider', PROVIDERS, 'local') ?? 'local';
  const seed = r.num(top.seed, 'seed', { min: 0, max: 2 ** 32 - 1, int: true });

  const ph = r.obj(top.phases ?? {}, 'phases', ['baseline', 'chaos', 'recovery']) ?? {};
  const phase = { max: LIMITS.phaseMs };
  let baselineMs = r.duration(ph.baseline, 'phases.baseline', phase, 5000) ?? 5000;
  let chaosMs = r.duration(ph.chaos, 'phases.chaos', { ...phase, positive: true }, 20_000) ?? 20_000;
  let recoveryMs = r.duration(ph.recovery, 'phases.recovery', phase, 8000) ?? 8000;
  const duration = r.duration(top.duration, 'duration', { ...phase, positive: true });
  if (duration !== undefined) [baselineMs, chaosMs, recoveryMs] = scalePhases(baselineMs, chaosMs, recoveryMs, duration);
  else if (baselineMs + chaosMs + recoveryMs > LIMITS.phaseMs) r.problem('phases', `add up to ${formatMs(baselineMs + chaosMs + recoveryMs)}, more than one game day may last (${formatMs(LIMITS.phaseMs)})`, 'shorten the phases, or split the game day into several runs');

  const c = r.obj(top.canaries ?? {}, 'canaries', ['rate', 'keys', 'timeout', 'max-in-flight', 'mix']) ?? {};
  const m = r.obj(c.mix ?? {}, 'canaries.mix', ['put', 'get', 'cas', 'delete', 'eventual-get', 'insert']) ?? {};
  const w = (k: string, d: number): number => r.num(m[k], `canaries.mix.${k}`, { min: 0 }, d) ?? d;
  const mix = { put: w('put', 4), get: w('get', 4), cas: w('cas', 1.5), delete: w('delete', 0), eventualGet: w('eventual-get', 0.5), insert: w('insert', 1) };
  if (mix.put + mix.get + mix.cas + mix.delete + mix.eventualGet + mix.insert <= 0) r.problem('canaries.mix', 'all weights are zero', 'give at least one operation a positive weight');
  const canaries: CanarySpec = {
    rate: r.num(c.rate, 'canaries.rate', { min: 0.1, max: 1000 }, 20) ?? 20,
    keys: r.num(c.keys, 'canaries.keys', { min: 1, max: 100_000, int: true }, 40) ?? 40,
    timeoutMs: r.duration(c.timeout, 'canaries.timeout', { min: 50, max: LIMITS.timeoutMs }, 2500) ?? 2500,
    ...(c['max-in-flight'] !== undefined ? { maxInFlight: r.num(c['max-in-flight'], 'canaries.max-in-flight', { min: 1, max: LIMITS.inFlight, int: true }) ?? 1 } : {}),
    mix,
  };

  const faultList = r.list(top.faults, 'faults');
  if (faultList.length > LIMITS.faults) r.problem('faults', `has ${faultList.length} entries; one game day takes at most ${LIMITS.faults}`, 'give each kind of damage one entry with start, every and count, or split the file');
  else if (faultList.length === 0 && r.problems.length === 0) r.problem('faults', top.faults === undefined ? 'is missing: a game day without faults tests nothing' : 'is empty: a game day without faults tests nothing', 'add a fault such as {kind: power-off, target: random-storage, every: 6s, hold: [2s, 4s]}');
  const faults = faultList.length > LIMITS.faults ? [] : faultList.map((f, i) => parseFault(r, f, join('faults', i)));

  const a = r.obj(top.alarms ?? {}, 'alarms', ['window', 'error-rate', 'clear-rate', 'min-requests']) ?? {};
  const errorRate = r.num(a['error-rate'], 'alarms.error-rate', { min: 0.0001, max: 1 }, 0.2) ?? 0.2;
  const alarms: AlarmSpec = {
    windowMs: r.duration(a.window, 'alarms.window', { min: 100, max: LIMITS.windowMs }, 3000) ?? 3000,
    errorRate,
    clearRate: r.num(a['clear-rate'], 'alarms.clear-rate', { min: 0, max: 1 }, errorRate / 2) ?? errorRate / 2,
    minRequests: r.num(a['min-requests'], 'alarms.min-requests', { min: 1, int: true }, 5) ?? 5,
  };
  if (alarms.clearRate > alarms.errorRate) r.problem('alarms.clear-rate', 'is above alarms.error-rate', 'clear at a lower rate than the one that raises the alarm');

  const ss = r.obj(top['steady-state'] ?? {}, 'steady-state', ['availability']) ?? {};
  const steadyStateAvailability = r.num(ss.availability, 'steady-state.availability', { min: 0, max: 1 }, 0.99) ?? 0.99;

  const ck = r.obj(top.checks ?? {}, 'checks', CHECKS) ?? {};
  const checks = Object.fromEntries(CHECKS.map((name) => [name, r.bool(ck[name], `checks.${name}`, true)])) as Record<CheckName, boolean>;
  const ex = r.obj(top.expect ?? {}, 'expect', CHECKS) ?? {};
  const expect: Partial<Record<CheckName, 'fail'>> = {};
  for (const name of CHECKS) {
    if (ex[name] === undefined) continue;
    if (ex[name] !== 'fail') r.problem(`expect.${name}`, `must be fail, got ${JSON.stringify(ex[name])}`, `write expect: { ${name}: fail } to pin a known weakness, or remove it (every check is expected to pass)`);
    else if (!checks[name]) r.problem(`expect.${name}`, `is expected to fail, but checks.${name} turns it off`, `remove one of the two`);
    else expect[name] = 'fail';
  }

  if (r.problems.length > 0) return { problems: r.problems };
  return {
    problems: [],
    experiment: {
      title, description, target: { name: targetName, ...(module !== undefined ? { module } : {}), options, bugs }, provider, seed,
      phases: { baselineMs, chaosMs, recoveryMs }, canaries, faults: faults.filter((f): f is FaultSpec => f !== undefined),
      alarms, steadyStateAvailability, checks, expect,
    },
  };
}

function parseFault(r: Reader, v: unknown, path: string): FaultSpec | undefined {
  const kindHint = v !== null && typeof v === 'object' && typeof (v as { kind?: unknown }).kind === 'string' ? (v as { kind: string }).kind : '';
  const f = r.obj(v, path, ['kind', 'target', 'start', 'every', 'count', 'hold', ...netFields(kindHint)]);
  if (!f) {
    if (v === undefined || v === null) r.problem(path, 'is empty', 'write a fault such as {kind: power-off, target: random-storage, every: 6s, hold: [2s, 4s]}');
    return undefined;
  }
  const kind = r.oneOf(f.kind, `${path}.kind`, FAULT_KINDS);
  if (f.kind === undefined) r.problem(`${path}.kind`, 'is missing', `add kind: one of ${FAULT_KINDS.join(', ')}`);
  const partition = kind === 'partition' ? parsePartition(r, f, path) : undefined;
  const link = kind && (LINK_FAULT_KINDS as readonly string[]).includes(kind) ? parseLink(r, kind as LinkFaultKind, f, path) : undefined;
  const dfltTarget = partition?.shape === 'isolate-node' ? 'random-node' : partition?.shape === 'isolate-az' ? 'random-az' : 'random-storage';
  if (kind && isNetKind(kind) && f.target !== undefined && !(partition?.shape === 'isolate-node' || partition?.shape === 'isolate-az')) {
    r.problem(`${path}.target`, `is not used by ${kind === 'partition' ? `shape ${partition?.shape}` : kind}`, kind === 'partition' ? 'remove it (only isolate-node and isolate-az take a target)' : 'name the links with between: [az1, az2] or from: az1');
  }
  if (partition?.shape === 'isolate-az' && typeof f.target === 'string' && !/^(random-az|az:[\w.-]+)$/.test(f.target)) r.problem(`${path}.target`, `isolate-az needs an AZ, got "${f.target}"`, 'use random-az or az:<name>');
  if (partition?.shape === 'isolate-node' && typeof f.target === 'string' && /^(random-az|az:.*)$/.test(f.target)) r.problem(`${path}.target`, `isolate-node needs one node, got "${f.target}"`, 'use random-node, random-storage, random-router or node:<id> (or shape: isolate-az)');
  const target = r.str(f.target, `${path}.target`, dfltTarget) ?? dfltTarget;
  if (!SELECTOR.test(target)) r.problem(`${path}.target`, `unknown node selector "${target}"`, 'use random-node, random-az, random-<role> (e.g. random-storage), node:<id>, az:<name> or role:<role>');
  const everyMs = r.duration(f.every, `${path}.every`, { min: LIMITS.everyMs, max: LIMITS.phaseMs }, 8000) ?? 8000;
  const count = r.num(f.count, `${path}.count`, { min: 1, max: LIMITS.injections, int: true });
  const holdMs = r.range(f.hold, `${path}.hold`, [2000, 4000], LIMITS.phaseMs);
  const startMs = r.duration(f.start, `${path}.start`, { max: LIMITS.phaseMs }, 1000) ?? 1000;
  if (!kind) return undefined;
  return { kind, target, startMs, everyMs, count, holdMs, ...(partition ? { partition } : {}), ...(link ? { link } : {}) };
}

/** Scales the three phases so they add up to `total`, keeping their proportions. */
export function scalePhases(b: number, c: number, rec: number, total: number): [number, number, number] {
  const sum = b + c + rec;
  const k = total / sum;
  const nb = Math.round(b * k);
  const nr = Math.round(rec * k);
  return [nb, total - nb - nr, nr];
}
