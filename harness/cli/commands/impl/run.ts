// The body of `gameday run` (harness/cli/commands/run.ts holds its options): loaded
// only when the command runs, so that `gameday --help` does not pay for the runner.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatMs, parseDuration } from '../../../experiment/duration.ts';
import { BUGS, LIMITS } from '../../../experiment/schema.ts';
import { prepare } from '../../../runner/prepare.ts';
import { healStale } from '../../../runner/registry.ts';
import { execute } from '../../../runner/run.ts';
import { networkSetup } from '../../../faults/network.ts';
import { RunMetrics } from '../../../metrics/run-metrics.ts';
import { MetricsServer, parseMetricsAddress, type MetricsAddress } from '../../../metrics/server.ts';
import { formatJunit, formatSummary } from '../../../runner/summary.ts';
import { addToIndex } from '../../../runner/index.ts';
import { formatPlan } from '../../../schedule/plan.ts';
import { EXIT, UsageError } from '../../errors.ts';
import type { RunArgs } from '../run.ts';

export async function runCommand(a: RunArgs): Promise<void> {
  for (const name of ['seed', 'duration', 'out', 'provider', 'toxiproxy', 'node-image', 'metrics', 'json', 'quiet', 'plan-only'] as const) {
    if (Array.isArray(a[name])) throw new UsageError(`given ${(a[name] as unknown[]).length} times`, `give --${name} once`, `--${name}`);
  }
  let durationMs: number | undefined;
  if (a.duration !== undefined) {
    durationMs = parseDuration(a.duration);
    if (durationMs === undefined || durationMs <= 0)
      throw new UsageError(`${a.duration} is not a positive duration`, 'write it like 30s, 2m or 1m30s', '--duration');
    if (durationMs > LIMITS.phaseMs)
      throw new UsageError(
        `${a.duration} is longer than one game day may last (${formatMs(LIMITS.phaseMs)})`,
        `use at most --duration ${formatMs(LIMITS.phaseMs)}`,
        '--duration',
      );
  }
  const metricsAt = a.metrics === undefined ? undefined : metricsAddress(a.metrics);
  const seed = a.seed === undefined ? undefined : parseSeed(a.seed);
  for (const b of a.bug ?? []) if (b.trim() === '') throw new UsageError('needs a mode', `e.g. --bug skip-fsync (one of: ${BUGS.join(', ')})`, '--bug');
  const p = await prepare({
    file: a.experiment,
    seed,
    durationMs,
    out: a.out,
    provider: a.provider,
    bugs: a.bug,
    toxiproxy: a.toxiproxy,
    nodeImage: a['node-image'],
  });
  if (a['plan-only']) {
    process.stdout.write(`seed ${p.seed}\n${formatPlan(p.plan)}\n`);
    return;
  }
  const network = networkSetup(p, { toxiproxy: p.toxiproxy });
  if (p.experiment.provider === 'docker') {
    const { dockerAvailable, imageExists } = await import('../../../providers/docker/runtime.ts');
    const d = await dockerAvailable();
    if (!d.ok)
      throw new UsageError(
        `the docker provider needs a Docker daemon, and none answers: ${d.reason}`,
        'start Docker (on Debian: apt-get install -y docker.io iptables && dockerd &), check with `gameday doctor`, or use --provider local',
      );
    if (p.nodeImage !== undefined && !(await imageExists(p.nodeImage))) {
      throw new UsageError(
        `--node-image ${p.nodeImage}: no such image in the local Docker`,
        'build it first: docker build -f targets/reference/Dockerfile -t ' +
          p.nodeImage +
          ' .  (or leave out --node-image to build one from the local Node binary)',
      );
    }
  }
  if (p.toxiproxy !== undefined) {
    const why = await toxiproxyAnswers(p.toxiproxy);
    if (why)
      throw new UsageError(
        `no Toxiproxy answers at --toxiproxy ${p.toxiproxy}: ${why}`,
        'start it (toxiproxy-server, or `gameday toxiproxy --listen 127.0.0.1:8474`), or leave out --toxiproxy to use the embedded fault proxy',
      );
  }
  const metrics = metricsAt ? new RunMetrics() : undefined;
  const server = metricsAt && metrics ? await listenOrUsage(metricsAt, metrics) : undefined;
  try {
    if (server && !a.quiet) process.stderr.write(`metrics for Prometheus at ${server.url}\n`);
    await runIt();
  } finally {
    await server?.close();
  }
  async function runIt(): Promise<void> {
    for (const h of await healStale())
      process.stderr.write(
        `healed a run left behind by a crashed harness: ${h.runId} (killed ${h.killed.length} processes, healed faults ${h.faultsHealed.join(', ') || 'none'})\n`,
      );
    const ac = new AbortController();
    let signals = 0;
    const onSignal = (sig: string): void => {
      signals++;
      if (signals === 1) process.stderr.write(`\n${sig}: stopping: healing faults, stopping the cluster (again to force)\n`);
      else process.exit(EXIT.interrupted);
      ac.abort();
    };
    const onInt = (): void => onSignal('SIGINT');
    const onTerm = (): void => onSignal('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    try {
      const r = await execute(p, {
        quiet: a.quiet ?? false,
        signal: ac.signal,
        actions: network.actions,
        ...(network.provider ? { provider: network.provider } : {}),
        ...(metrics ? { metrics } : {}),
      }).finally(() => network.close());
      writeFileSync(join(p.runDir, 'junit.xml'), formatJunit(r));
      addToIndex(r); // the runs folder's index of game days (gameday history)
      try {
        const reportModule = '../../../../dashboards/report.ts'; // written by the dashboards package when present
        const { writeReport } = (await import(reportModule)) as { writeReport: (dir: string) => void };
        writeReport(p.runDir);
      } catch {
        /* the HTML report is optional */
      }
      if (a.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      else process.stdout.write(formatSummary(r));
      process.exitCode = r.interrupted ? EXIT.interrupted : r.verdict === 'pass' ? EXIT.ok : r.verdict === 'fail' ? EXIT.failed : EXIT.unknown;
    } finally {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    }
  }
}

/** A seed as typed: digits only, 0 to 2^32-1 (so that "1e3", "0x10" or "-1" are refused, not read as something else). */
function parseSeed(text: string): number {
  const n = /^\d{1,10}$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!(n >= 0 && n <= 2 ** 32 - 1))
    throw new UsageError(
      `must be a whole number from 0 to 4294967295, got "${text}"`,
      'pass e.g. --seed 42 (the seed a run printed repeats its plan)',
      '--seed',
    );
  return n;
}

function metricsAddress(text: string): MetricsAddress {
  const addr = parseMetricsAddress(text);
  if ('problem' in addr) throw new UsageError(addr.problem, addr.fix, '--metrics');
  return addr;
}

/** The bind is the probe: a taken port ends the command here, before anything started. */
async function listenOrUsage(addr: MetricsAddress, metrics: RunMetrics): Promise<MetricsServer> {
  try {
    return await MetricsServer.listen(addr, metrics);
  } catch (err) {
    const code = (err as { code?: string }).code;
    const why =
      code === 'EADDRINUSE'
        ? 'is taken by another process'
        : code === 'EADDRNOTAVAIL'
          ? 'is not an address of this machine'
          : `cannot be listened on (${code ?? (err as Error).message})`;
    throw new UsageError(
      `${addr.host}:${addr.port} ${why}`,
      `choose a free port, e.g. --metrics ${addr.host}:${addr.port === 9464 ? 9465 : 9464}, or stop what listens there`,
      '--metrics',
    );
  }
}

/** undefined when a Toxiproxy API answers /version at `url`, else what went wrong. */
async function toxiproxyAnswers(url: string): Promise<string | undefined> {
  try {
    const res = await fetch(new URL('/version', url), { signal: AbortSignal.timeout(3000) });
    return res.ok ? undefined : `GET /version answered ${res.status}`;
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? (err as Error).message;
  }
}
