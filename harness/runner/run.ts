// One game day: start the cluster, start the canary fleet, run the phases
// (baseline ▸ chaos ▸ recovery ▸ final reads), check, review alarms, report.
// Teardown sits in `finally`: faults are healed and every process of the run is
// stopped on success, on failure and on Ctrl-C. The history is saved before it is
// analysed, and the checks read it back from the run folder.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Canary, type CanaryStats } from '../../canaries/canary.ts';
import { keyName } from '../../canaries/workload.ts';
import { AlarmSet } from '../alarms/alarm-set.ts';
import type { AlarmChange } from '../alarms/scoped.ts';
import { type StopHit, StopWatch } from '../alarms/stop-when.ts';
import { reviewRun } from '../alarms/review.ts';
import { formatMs } from '../experiment/duration.ts';
import { DEFAULT_ACTIONS, FaultExecutor, type ActionFactory } from '../faults/executor.ts';
import { leaderResolver } from '../faults/leader-of.ts';
import { buildAction } from '../faults/upgrade.ts';
import { FaultJournal, readFaults } from '../faults/journal.ts';
import { HistoryWriter } from '../history/writer.ts';
import { isServed } from '../history/op.ts';
import { K6Run, k6Figures } from '../load/k6.ts';
import type { RunMetrics } from '../metrics/run-metrics.ts';
import { createRunLogger, type ProgressRecord } from '../log/logger.ts';
import { LocalProvider } from '../providers/local.ts';
import { ProcessesProvider } from '../providers/processes.ts';
import type { Provider, StartedCluster } from '../providers/provider.ts';
import { formatPlan } from '../schedule/plan.ts';
import { Rng } from '../schedule/rng.ts';
import type { ReplicaDigest, ReplicaValue } from '../../targets/target.ts';
import { checkLostWrites, type LostWrite, type ReplicaReads } from '../checkers/lost-writes.ts';
import { readGameday } from '../history/read-gameday.ts';
import { loadHistory, runChecks } from './checks.ts';
import { finalReads } from './final-reads.ts';
import type { Prepared } from './prepare.ts';
import { registerRun, unregisterRun } from './registry.ts';
import { makeRunDir } from './run-dir.ts';
import { SCRUB_FILE, type ScrubFile } from './scrub-file.ts';
import { unsafeModeWarnings } from './warnings.ts';
import { buildResult, type PhaseMark, type RunResult } from './result.ts';

export interface ExecuteOptions {
  readonly quiet?: boolean;
  readonly signal?: AbortSignal;
  /** Extra fault kinds (e.g. partitions) and their actions. */
  readonly actions?: Readonly<Record<string, ActionFactory>>;
  readonly provider?: Provider;
  /** Fed with every call, alarm change, phase and fault (`gameday run --metrics`). */
  readonly metrics?: RunMetrics;
}

export class Interrupted extends Error {}

/** Waits `ms`; rejects when `signal` aborts (Ctrl-C), resolves early when `cut` does (a stop condition). */
function sleep(ms: number, signal?: AbortSignal, cut?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Interrupted('interrupted'));
    if (cut?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(t);
      signal?.removeEventListener('abort', onAbort);
      cut?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      cut?.removeEventListener('abort', done);
      reject(new Interrupted('interrupted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    cut?.addEventListener('abort', done, { once: true });
  });
}

export async function execute(p: Prepared, o: ExecuteOptions = {}): Promise<RunResult> {
  const exp = p.experiment;
  makeRunDir(p.runDir);
  const t0 = performance.now();
  const startedAt = new Date();
  const clock = (): number => performance.now() - t0;
  const log = createRunLogger(join(p.runDir, 'gameday.log'), { quiet: o.quiet ?? false, clock });
  writeFileSync(join(p.runDir, 'experiment.json'), JSON.stringify({ file: p.file, seed: p.seed, experiment: exp }, null, 2) + '\n');
  writeFileSync(join(p.runDir, 'plan.json'), JSON.stringify(p.plan, null, 2) + '\n');
  log.info(
    { seed: p.seed, runDir: p.runDir },
    `gameday run "${exp.title}"  seed ${p.seed}  provider ${exp.provider}  target ${exp.target.name}${exp.target.bugs.length ? ` (UNSAFE: ${exp.target.bugs.join(', ')})` : ''}`,
  );
  log.info(`run folder ${p.runDir}`);
  for (const w of unsafeModeWarnings(exp.target.bugs, p.plan, p.topology)) log.warn(w);
  if (p.toxiproxy !== undefined) log.info(`network faults through the Toxiproxy at ${p.toxiproxy} (its proxies are named gameday-${p.runId}.*)`);
  log.info(`fault plan (offsets from the start of chaos, ${formatMs(exp.phases.chaosMs)}):\n${formatPlan(p.plan)}`);
  registerRun({
    runId: p.runId,
    runDir: p.runDir,
    pid: process.pid,
    provider: exp.provider,
    startedAt: startedAt.toISOString(),
    ...(p.toxiproxy !== undefined ? { toxiproxy: p.toxiproxy } : {}),
  });

  const history = new HistoryWriter(join(p.runDir, 'history.ndjson'), clock);
  const journal = new FaultJournal(join(p.runDir, 'faults.ndjson'), clock);
  const alarmLines: AlarmChange[] = [];
  const alarms = new AlarmSet(exp.alarmRules);
  const stopWatch = new StopWatch(exp.stopWhen);
  let inChaos = false;
  let stoppedBy: StopHit | undefined;
  const cut = new AbortController();
  history.onOp((op) => alarms.add(op));
  // the live progress line: calls completed and failed since the last one
  const recent = { done: 0, failed: 0, byAz: new Map<string, { done: number; failed: number }>() };
  history.onOp((op) => {
    if (op.type === 'invoke' || op.final) return;
    recent.done++;
    const served = isServed(op);
    if (!served) recent.failed++;
    if (op.az !== undefined) {
      const a = recent.byAz.get(op.az) ?? { done: 0, failed: 0 };
      a.done++;
      if (!served) a.failed++;
      recent.byAz.set(op.az, a);
    }
  });
  const metrics = o.metrics;
  if (metrics) {
    history.onOp((op) => metrics.op(op));
    journal.onWrite((r) => metrics.fault(r.id, r.kind, r.event === 'inject' && r.error === undefined));
  }
  const phases: PhaseMark[] = [];
  let phase: PhaseMark | undefined;
  const enter = (name: string): void => {
    const now = clock();
    if (phase) phase.endMs = now;
    phase = { name, startMs: now, endMs: now };
    phases.push(phase);
    metrics?.phase(name);
    log.info({ phase: name }, `phase ${name}`);
  };
  let cluster: StartedCluster | undefined;
  let executor: FaultExecutor | undefined;
  const canaries: Canary[] = [];
  let alarmTimer: NodeJS.Timeout | undefined;
  let k6: K6Run | undefined;
  let k6Exit: number | null = null;
  let clusterStartMs = 0;
  let interrupted = false;
  let error: Error | undefined;
  let unread: string[] = [];
  let canaryStats: CanaryStats[] = [];
  let digests: ReplicaDigest[] = [];
  let replicaReads: ReplicaReads = {};
  let nextProcess = 0;
  const newProcess = (): number => nextProcess++;
  try {
    enter('start');
    const provider = o.provider ?? (await providerFor(exp.provider, p.nodeImage, p.attached, exp.processes));
    const ts = performance.now();
    cluster = await provider.start(p.target, p.topology, {
      runDir: p.runDir,
      runId: p.runId,
      targetOptions: p.experiment.target.options,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    clusterStartMs = Math.round(performance.now() - ts);
    log.info(
      { clusterStartMs },
      `cluster up in ${clusterStartMs} ms: ${p.topology.nodes.length} nodes in ${p.topology.azs.length} AZs (${cluster.endpoints().length} public endpoints)`,
    );
    if (o.signal?.aborted) throw new Interrupted('interrupted');

    const rng = new Rng(p.seed);
    const c = cluster;
    // an attached cluster keeps what earlier runs wrote: this run's keys are its own (and stay there, under its run id)
    const keyPrefix = exp.provider === 'attach' ? `${p.runId}/` : '';
    for (const az of p.topology.azs) {
      for (const ep of c.endpoints()) {
        alarms.declare(az, ep.id);
        metrics?.declareCanary(az, ep.id);
        canaries.push(
          new Canary({
            id: `${az}>${ep.id}`,
            az,
            endpoint: ep.id,
            url: c.url(ep.id, az),
            spec: exp.canaries,
            rng: rng.fork(`canary:${az}:${ep.id}`),
            history,
            newProcess,
            ...clientOf(p.target),
            urlOf: (id: string) => c.url(id, az),
            ...(keyPrefix ? { keyPrefix } : {}),
          }),
        );
      }
    }
    for (const a of alarms.states()) metrics?.declareAlarm(a.alarm);
    let lastProgress = clock();
    alarmTimer = setInterval(() => {
      const now = clock();
      if (now - lastProgress >= PROGRESS_EVERY_MS && phase && phase.name !== 'start') {
        // one line a person can follow: where the run is, how the canaries fare, what is broken, what is in ALARM
        const secs = (now - lastProgress) / 1000;
        const total =
          phase.name === 'baseline'
            ? exp.phases.baselineMs
            : phase.name === 'chaos'
              ? exp.phases.chaosMs
              : phase.name === 'recovery'
                ? exp.phases.recoveryMs
                : undefined;
        const inForce = executor?.inForce() ?? [];
        const inAlarm = alarms
          .states()
          .filter((a) => a.state === 'ALARM')
          .map((a) => a.alarm);
        const faults = inForce.map((f) => `${f.id} ${f.kind} ${f.nodes.join(',')}`);
        const errorRateByAz = Object.fromEntries(
          p.topology.azs.map((az) => {
            const a = recent.byAz.get(az);
            return [az, a?.done ? a.failed / a.done : 0];
          }),
        );
        const progress: ProgressRecord = {
          phase: phase.name,
          elapsedMs: Math.round(now - phase.startMs),
          ...(total !== undefined ? { totalMs: total } : {}),
          opsPerSec: Math.round(recent.done / secs),
          errorRate: recent.done ? recent.failed / recent.done : 0,
          errorRateByAz,
          faults,
          inAlarm,
        };
        log.info(
          { progress },
          `progress  ${phase.name} ${formatMs(now - phase.startMs)}${total !== undefined ? `/${formatMs(total)}` : ''}  ${Math.round(recent.done / secs)} ops/s, ${recent.done ? ((100 * recent.failed) / recent.done).toFixed(1) : '0.0'}% failed (${Object.entries(
            errorRateByAz,
          )
            .map(([az, r]) => `${az} ${(100 * r).toFixed(1)}%`)
            .join(', ')})  faults in force: ${faults.length ? faults.join('; ') : 'none'}  in ALARM: ${inAlarm.length ? inAlarm.join(', ') : 'none'}`,
        );
        recent.done = 0;
        recent.failed = 0;
        recent.byAz.clear();
        lastProgress = now;
      }
      const changes = alarms.evaluate(now);
      stopWatch.observe(changes);
      const hit = inChaos && !stoppedBy ? stopWatch.met(now) : undefined;
      if (hit) {
        stoppedBy = hit;
        log.warn(
          { stopWhen: hit },
          `stop condition met: ${hit.by} in ALARM for ${formatMs(hit.atMs - hit.inAlarmSinceMs)} (stop-when alarm ${hit.alarm} for ${formatMs(hit.forMs)}): ending chaos early`,
        );
        cut.abort();
      }
      for (const ch of changes) {
        alarmLines.push(ch);
        metrics?.alarm(ch.alarm, ch.to);
        writeFileSync(join(p.runDir, 'alarms.ndjson'), JSON.stringify(ch) + '\n', { flag: 'a' });
        log.warn({ alarm: ch.alarm, to: ch.to }, `alarm ${ch.alarm} → ${ch.to}: ${ch.reason}`);
      }
    }, 250);
    enter('baseline');
    for (const k of canaries) k.start();
    if (exp.load) {
      // k6 beside the canaries, for baseline, chaos and recovery, every endpoint as each AZ reaches it
      const endpoints = p.topology.azs.flatMap((az) => c.endpoints().map((ep) => ({ az, endpoint: ep.id, url: c.url(ep.id, az) })));
      k6 = new K6Run({
        script: exp.load.k6,
        vus: exp.load.vus,
        durationMs: exp.phases.baselineMs + exp.phases.chaosMs + exp.phases.recoveryMs,
        runDir: p.runDir,
        endpoints,
      });
      log.info(
        `k6 load: ${exp.load.k6}, ${exp.load.vus} VUs, for ${formatMs(exp.phases.baselineMs + exp.phases.chaosMs + exp.phases.recoveryMs)} (k6-summary.json, k6-points.ndjson)`,
      );
    }
    log.info(
      `${canaries.length} canaries (${p.topology.azs.length} AZs × ${c.endpoints().length} endpoints) at ${exp.canaries.rate} ops/s each, open model (up to ${canaries[0]?.bound ?? 0} calls in flight each)`,
    );
    await sleep(exp.phases.baselineMs, o.signal);

    enter('chaos');
    executor = new FaultExecutor(
      c,
      journal,
      log,
      { ...DEFAULT_ACTIONS, upgrade: buildAction(p.target), downgrade: buildAction(p.target), ...o.actions },
      leaderResolver(p.target, c, p.topology.nodes),
    );
    executor.start(p.plan.faults);
    inChaos = true;
    await sleep(exp.phases.chaosMs, o.signal, cut.signal);
    inChaos = false;
    await executor.healAll(stoppedBy ? 'stop-condition' : 'end-of-chaos');

    enter('recovery');
    await sleep(exp.phases.recoveryMs, o.signal);
    await Promise.all(canaries.map((k) => k.stop()));
    canaryStats = canaries.map((k) => k.stats());
    if (k6) k6Exit = await k6.finish(5_000);

    // replicas first catch up (scrub until they agree), so that a final read of a correct cluster is never stale
    enter('scrub');
    digests = await scrubUntilQuiet(p, c, log);
    // what the scrub saw, for `gameday check <run-folder>` (check wal-reference needs it offline)
    if (p.target.digests)
      writeFileSync(join(p.runDir, SCRUB_FILE), JSON.stringify({ target: p.target.name, provider: exp.provider, digests } satisfies ScrubFile, null, 2) + '\n');

    enter('final-reads');
    const keys = [...new Set([...Array.from({ length: exp.canaries.keys }, (_, i) => keyName(i, keyPrefix)), ...history.writtenKeys])];
    const eps = c.endpoints().map((e) => ({ endpoint: e.id, az: e.az, url: c.url(e.id) }));
    const fr = await finalReads(keys, eps, history, newProcess, { deadlineMs: 15_000, timeoutMs: exp.canaries.timeoutMs, ...clientOf(p.target) });
    unread = fr.unread;
    log.info(`final reads: ${fr.read} of ${keys.length} keys read back${fr.unread.length ? `; unread: ${fr.unread.join(', ')}` : ''}`);
    replicaReads = await askReplicasOfSuspects(p, c, join(p.runDir, 'history.ndjson'), log);
  } catch (err) {
    if (err instanceof Interrupted || o.signal?.aborted) {
      interrupted = true;
      log.warn('interrupted: healing faults and stopping the cluster');
    } else {
      error = err as Error;
      log.error({ err }, `run failed: ${(err as Error).message}`);
    }
  } finally {
    if (alarmTimer) clearInterval(alarmTimer);
    log.info({ progressDone: true }, 'stopping canaries and healing faults'); // a terminal's status line ends here
    k6?.stop();
    await executor?.healAll(interrupted ? 'interrupted' : error ? 'failure' : 'end-of-run');
    await Promise.all(canaries.map((k) => k.stop()));
    if (canaryStats.length === 0) canaryStats = canaries.map((k) => k.stats());
  }

  if (phase) phase.endMs = clock();
  try {
    await cluster?.stop();
  } finally {
    history.close();
  }
  log.info(`cluster stopped; checking ${history.count} history entries`);
  const loaded = loadHistory(join(p.runDir, 'history.ndjson'));
  const faultRecords = readFaults(join(p.runDir, 'faults.ndjson'));
  const review = reviewRun(exp, loaded.history, faultRecords, alarmLines);
  const checks = interrupted || error ? [] : loaded.problem ? [loaded.problem] : runChecks(p, loaded.history, digests, replicaReads, phases, review, log);
  // k6's requests cut into the run's phases, beside the canaries' view
  const timed = phases
    .filter((ph) => ph.name === 'baseline' || ph.name === 'chaos' || ph.name === 'recovery')
    .map((ph) => ({ name: ph.name, startMs: ph.startMs, endMs: ph.endMs }));
  const k6f = exp.load && k6 ? await k6Figures(p.runDir, exp.load.k6, exp.load.vus, k6Exit, startedAt, timed) : undefined;
  const built = buildResult({
    p,
    history: loaded.history,
    faults: faultRecords,
    review,
    startedAt,
    finishedAt: new Date(),
    wallMs: Math.round(clock()),
    clusterStartMs,
    phases,
    checks,
    alarmChanges: alarmLines,
    runDir: p.runDir,
    unread,
    interrupted,
    canaryStats,
    ...(error ? { error: error.message } : {}),
    ...(stoppedBy ? { stoppedBy } : {}),
  });
  const result: RunResult = k6f ? { ...built, figures: { ...built.figures, k6: k6f } } : built;
  writeFileSync(join(p.runDir, 'result.json'), JSON.stringify(result, null, 2) + '\n');
  unregisterRun(p.runId);
  log.flush();
  return result;
}

/** The target's own client for its endpoints, when it brings one (else the HTTP API client). */
function clientOf(t: Prepared['target']): { client?: NonNullable<Prepared['target']['client']> } {
  return t.client ? { client: t.client.bind(t) } : {};
}

async function providerFor(
  name: string,
  nodeImage: string | undefined,
  attached: Prepared['attached'],
  processes: Prepared['experiment']['processes'],
): Promise<Provider> {
  if (name === 'local') return new LocalProvider();
  if (name === 'processes' && processes) return new ProcessesProvider(processes);
  if (name === 'attach' && attached) {
    const attachModule = '../providers/docker/attach.ts'; // loaded only for attach runs
    const mod = (await import(attachModule)) as typeof import('../providers/docker/attach.ts');
    return new mod.AttachProvider(attached.spec, attached.found);
  }
  if (name === 'docker') {
    // loaded only when asked for: it pulls in testcontainers
    const dockerModule = '../providers/docker/index.ts';
    const mod = (await import(dockerModule)) as { DockerProvider: new (o: { nodeImage?: string }) => Provider };
    return new mod.DockerProvider(nodeImage !== undefined ? { nodeImage } : {});
  }
  throw new Error(`unknown provider ${name}`);
}

/**
 * After the final reads: for every key whose final read lost-writes would flag, each
 * replica's own value, so the check can tell a lost write (no replica has it) from a
 * stale final read. Saved as replica-reads.json (evidence `gameday check` reads too).
 */
async function askReplicasOfSuspects(p: Prepared, cluster: StartedCluster, historyPath: string, log: Logger): Promise<ReplicaReads> {
  const ask = p.target.replicaValues?.bind(p.target);
  if (!ask) return {};
  const flagged = checkLostWrites(readGameday(historyPath)).details?.['lost'] as LostWrite[] | undefined;
  const keys = (flagged ?? [])
    .map((l) => l.key)
    .filter((k): k is string => k !== null)
    .slice(0, MAX_SUSPECTS);
  const out: Record<string, ReplicaValue[]> = {};
  for (const k of keys) out[k] = await ask(k, (id) => cluster.url(id), p.topology.nodes);
  if (keys.length > 0) {
    writeFileSync(join(p.runDir, 'replica-reads.json'), JSON.stringify(out, null, 2) + '\n');
    log.info(`final reads flag ${flagged?.length ?? 0} key(s); asked their replicas directly (replica-reads.json)`);
  }
  return out;
}

/** Keys whose replicas are asked at most (the first ones flagged; the rest stay `lost` unless asked). */
/** How often the live progress line is written (a line, not a rewritten status: logs and CI keep it). */
const PROGRESS_EVERY_MS = 2000;

const MAX_SUSPECTS = 200;

/** Polls the replicas' digests until every group's replicas have applied the same prefix (or 15 s pass); none without the capability. */
async function scrubUntilQuiet(p: Prepared, cluster: StartedCluster, log: Logger): Promise<ReplicaDigest[]> {
  const digests = p.target.digests?.bind(p.target);
  if (!digests) {
    log.info(`scrub: target ${p.target.name} offers no replica digests; check replicas-agree does not run`);
    return [];
  }
  const deadline = performance.now() + 15_000;
  for (;;) {
    const d = await digests((id) => cluster.url(id), p.topology.nodes);
    const groups = new Map<string, Set<string>>();
    for (const x of d) groups.set(x.group, (groups.get(x.group) ?? new Set()).add(`${x.appliedSeq}/${x.checksum}`));
    // log replicas (kind: log) are compared too, but the count is of full replicas
    const full = d.filter((x) => x.kind !== 'log').length;
    const settled = full === groups.size * (p.target.replicationFactor ?? 3) && [...groups.values()].every((s) => s.size === 1);
    if (settled || performance.now() > deadline) {
      const logs = d.length - full;
      log.info(
        `scrub: ${full} replicas${logs > 0 ? ` and ${logs} log replica(s)` : ''} of ${groups.size} groups${settled ? ' agree' : ' did not converge within 15 s'}`,
      );
      return d;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
