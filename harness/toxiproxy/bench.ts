// The fault proxy's benchmark (`npm run bench`): what the proxy adds to round
// trips and takes from throughput, measured the way the Toxiproxy 2.12 figures
// beside it were: no toxics, loopback, client, upstream and proxy as separate
// processes sharing the machine's cores. Each figure is the median of several
// runs. Round trips interleave direct and proxied within each run (one round
// trip or connection each in turn); throughput runs alternate direct and proxied.
// The proxy is `gameday toxiproxy` in a child process, or a running Toxiproxy
// server given by TOXIPROXY_URL (then the same table measures the real one).
// Beside it, in the same round-trip runs, the floor: a minimal forwarder in C
// (bench-floor.c, built with the machine's cc when there is one), so that what
// the machine costs any user-space proxy that day can be told apart from what
// the fault proxy costs on top.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { cpus, loadavg, tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Toxiproxy } from 'toxiproxy-node-client';
import { echoThroughput, firstRoundTrips, oneWayThroughput, roundTrips } from './bench-client.ts';

export interface BenchOptions {
  readonly runs?: number;
  readonly toxiproxyUrl?: string;
  readonly log?: (line: string) => void;
}

interface Row {
  readonly figure: string;
  readonly unit: string;
  /** Median over the runs. */
  readonly ours: number;
  /** Every run's figure, for the range printed beside the median. */
  readonly perRun: readonly number[];
  readonly toxiproxy: number;
  readonly lowerIsBetter: boolean;
  /** The minimal C forwarder's median over the same runs, for the latency figures. */
  readonly floor?: number;
}

const MB = 1_000_000;

async function child(args: string[], pattern: RegExp, command = process.execPath): Promise<{ proc: ChildProcess; match: RegExpExecArray }> {
  const proc = spawn(command, command === process.execPath ? ['--import', 'tsx', ...args] : args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: proc.stdout! });
  const exited = once(proc, 'exit').then(([code]) => {
    throw new Error(`${args.join(' ')} exited (${String(code)}) before it was ready`);
  });
  const ready = (async () => {
    for await (const line of lines) {
      const m = pattern.exec(line);
      if (m) return m;
    }
    throw new Error(`${args.join(' ')}: no line matching ${pattern}`);
  })();
  const match = await Promise.race([ready, exited]);
  return { proc, match };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
};

/** Runs `fn` against direct and proxied ports alternately, `runs` times each. */
async function paired<T>(runs: number, direct: number, proxied: number, fn: (port: number) => Promise<T>): Promise<{ d: T[]; p: T[] }> {
  const d: T[] = [];
  const p: T[] = [];
  await fn(direct); // warm-up
  await fn(proxied);
  for (let i = 0; i < runs; i++) {
    d.push(await fn(direct));
    p.push(await fn(proxied));
  }
  return { d, p };
}

/** Runs `fn` (which measures direct and proxied in turns) `runs` times after a warm-up. */
async function interleaved<T>(runs: number, fn: () => Promise<T>): Promise<T[]> {
  await fn();
  const out: T[] = [];
  for (let i = 0; i < runs; i++) out.push(await fn());
  return out;
}

/** Builds bench-floor.c with the machine's C compiler; no binary (and why) when there is none or it fails. */
export function buildFloor(dir: string): { binary?: string; why?: string } {
  const src = fileURLToPath(new URL('./bench-floor.c', import.meta.url));
  const binary = join(dir, 'bench-floor');
  for (const cc of [process.env['CC'], 'cc', 'gcc', 'clang']) {
    if (!cc) continue;
    const r = spawnSync(cc, ['-O2', '-o', binary, src], { encoding: 'utf8' });
    if (r.error) continue; // no such compiler
    if (r.status === 0) return { binary };
    return { why: `${cc} failed: ${r.stderr.trim().split('\n')[0] ?? ''}` };
  }
  return { why: 'no C compiler (cc, gcc, clang or $CC) on PATH' };
}

function table(rows: readonly Row[], header: string): string {
  const num = (n: number, unit: string): string => (unit === 'MB/s' ? n.toFixed(0) : unit === 'ms' ? n.toFixed(3) : n.toFixed(1));
  const fmt = (n: number, unit: string): string => `${num(n, unit)} ${unit}`;
  const lines = rows.map((r) => {
    const better = r.lowerIsBetter ? r.ours < r.toxiproxy : r.ours > r.toxiproxy;
    const range = `${num(Math.min(...r.perRun), r.unit)}-${num(Math.max(...r.perRun), r.unit)}`;
    const floor = r.floor === undefined ? '-' : fmt(r.floor, r.unit);
    return [
      r.figure.padEnd(44),
      fmt(r.ours, r.unit).padStart(12),
      range.padStart(15),
      floor.padStart(11),
      fmt(r.toxiproxy, r.unit).padStart(17),
      better ? '  beats' : '  behind',
    ];
  });
  const head = [
    'figure (median of runs)'.padEnd(44),
    'this proxy'.padStart(12),
    'runs range'.padStart(15),
    'C floor'.padStart(11),
    'Toxiproxy 2.12'.padStart(17),
  ];
  return [header, head.join(''), ...lines.map((l) => l.join(''))].join('\n');
}

export async function runProxyBench(options: BenchOptions = {}): Promise<Row[]> {
  const runs = options.runs ?? 7;
  const log = options.log ?? ((l: string) => process.stdout.write(l + '\n'));
  const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));
  const procs: ChildProcess[] = [];
  const scratch = mkdtempSync(join(tmpdir(), 'gameday-bench-'));
  try {
    const up = await child([here('./bench-upstreams.ts')], /^(\{.*\})$/);
    procs.push(up.proc);
    const ports = JSON.parse(up.match[1] ?? '{}') as { echo: number; stream: number };
    let url = options.toxiproxyUrl;
    let io = 'a Toxiproxy server given by TOXIPROXY_URL';
    if (url === undefined) {
      const tp = await child(
        [here('../cli/main.ts'), 'toxiproxy', '--listen', '127.0.0.1:0', '--seed', '1'],
        /listening on (http:\/\/\S+).*bytes moved by (.*)$/,
      );
      procs.push(tp.proc);
      url = tp.match[1] ?? '';
      io = `gameday toxiproxy, bytes moved by ${tp.match[2] ?? '?'} (GAMEDAY_PROXY_IO=native|raw|node chooses)`;
    }
    const api = new Toxiproxy(url);
    const version = await api.getVersion();
    const make = async (name: string, port: number): Promise<number> => {
      const p = await api.createProxy({ name, listen: '127.0.0.1:0', upstream: `127.0.0.1:${port}` });
      return Number(p.listen.slice(p.listen.lastIndexOf(':') + 1));
    };
    const echoVia = await make('bench_echo', ports.echo);
    const streamVia = await make('bench_stream', ports.stream);
    const load = (): string =>
      loadavg()
        .map((x) => x.toFixed(2))
        .join(' ');
    log(`proxy: ${url} ${version.trim()}; ${runs} runs per figure, node ${process.version}, ${cpus().length} cores, load ${load()}`);
    log(`  ${io}`);
    const built = buildFloor(scratch);
    let floorVia: number | undefined;
    if (built.binary) {
      const fl = await child([String(ports.echo)], /^listening (\d+)$/, built.binary);
      procs.push(fl.proc);
      floorVia = Number(fl.match[1]);
    } else {
      log(`  C floor: not measured (${built.why ?? '?'})`);
    }
    const targets = floorVia === undefined ? [ports.echo, echoVia] : [ports.echo, echoVia, floorVia];

    // round trips: direct, proxied (and the floor) take turns within each run (see bench-client.ts)
    const rtt = await interleaved(runs, () => roundTrips(targets, 5000));
    const addedRuns = (k: 'p50' | 'p99', i = 1): number[] => rtt.map((r) => (r[i]?.[k] ?? NaN) - (r[0]?.[k] ?? NaN));
    log(
      `  rtt direct p50 ${median(rtt.map(([d]) => d?.p50 ?? NaN)).toFixed(1)} µs, p99 ${median(rtt.map(([d]) => d?.p99 ?? NaN)).toFixed(1)} µs; proxied p50 ${median(rtt.map(([, p]) => p?.p50 ?? NaN)).toFixed(1)} µs`,
    );
    const fresh = await interleaved(runs, () => firstRoundTrips(targets, 500));
    const freshAdded = (i = 1): number[] => fresh.map((r) => ((r[i] ?? NaN) - (r[0] ?? NaN)) / 1000);
    log(
      `  new connection, first round trip: direct ${median(fresh.map(([d]) => d ?? NaN)).toFixed(0)} µs, proxied ${median(fresh.map(([, p]) => p ?? NaN)).toFixed(0)} µs`,
    );
    const floor = (runsOf: number[]): { floor?: number } => (floorVia === undefined ? {} : { floor: median(runsOf) });
    const echo = await paired(runs, ports.echo, echoVia, (port) => echoThroughput(port, 256 * MB));
    const one = await paired(runs, ports.stream, streamVia, (port) => oneWayThroughput(port, 512 * MB, 1));
    const many = await paired(runs, ports.stream, streamVia, (port) => oneWayThroughput(port, 512 * MB, 16));
    log(`  direct: echo ${median(echo.d).toFixed(0)} MB/s, one way ${median(one.d).toFixed(0)} MB/s, 16 conns ${median(many.d).toFixed(0)} MB/s`);

    const row = (figure: string, unit: string, perRun: number[], toxiproxy: number, lowerIsBetter: boolean, extra: { floor?: number } = {}): Row => ({
      figure,
      unit,
      ours: median(perRun),
      perRun,
      toxiproxy,
      lowerIsBetter,
      ...extra,
    });
    const rows: Row[] = [
      row('added to 64 B round trip, p50', 'µs', addedRuns('p50'), 61, true, floor(addedRuns('p50', 2))),
      row('added to 64 B round trip, p99', 'µs', addedRuns('p99'), 116, true, floor(addedRuns('p99', 2))),
      row("added to a new connection's first round trip", 'ms', freshAdded(), 0.3, true, floor(freshAdded(2))),
      row('echo through one connection', 'MB/s', echo.p, 452, false),
      row('one way, 1 connection', 'MB/s', one.p, 852, false),
      row('one way, 16 connections', 'MB/s', many.p, 1000, false),
    ];
    log(`  load average after: ${load()} (figures from a busy machine understate both columns)`);
    log(
      table(
        rows,
        '\nfault proxy, no toxics, loopback (C floor: a minimal C forwarder in the same runs; Toxiproxy 2.12 measured on the same kind of 2-core machine)',
      ),
    );
    if (options.toxiproxyUrl === undefined) await api.reset();
    else for (const n of ['bench_echo', 'bench_stream']) await (await api.get(n)).remove();
    return rows;
  } finally {
    for (const p of procs) {
      p.stdin?.end();
      p.kill('SIGTERM');
    }
    rmSync(scratch, { recursive: true, force: true });
  }
}
