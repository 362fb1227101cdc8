// k6 beside the canaries (`load: { k6: ./load.js, vus: 20 }` in an experiment): the
// script runs, on k6 found on PATH, for baseline, chaos and recovery, with every
// public endpoint as each AZ reaches it in the environment (GAMEDAY_URL_<AZ>_<ENDPOINT>,
// and GAMEDAY_URLS as JSON [{az, endpoint, url}]). Its summary (`--summary-export`)
// and per-request points (`--out json`) are kept in the run folder (k6-summary.json,
// k6-points.ndjson), and the points are cut into the run's phases: requests per
// second, failed share, latency percentiles and checks per phase, beside the
// canaries' view. Anonymous usage reports are turned off (--no-usage-report).

import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { quantile } from '../stats/quantile.ts';

export interface K6Endpoint {
  readonly az: string;
  readonly endpoint: string;
  readonly url: string;
}

export interface K6Phase {
  readonly phase: string;
  readonly requests: number;
  readonly requestsPerSec: number;
  readonly failedShare: number;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
  readonly checksPassed: number;
  readonly checksFailed: number;
}

export interface K6Figures {
  readonly script: string;
  readonly vus: number;
  readonly exitCode: number | null;
  readonly phases: readonly K6Phase[];
  readonly files: { readonly summary: string; readonly points: string };
}

export const envName = (az: string, endpoint: string): string => `GAMEDAY_URL_${`${az}_${endpoint}`.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;

export class K6Run {
  private readonly child: ChildProcess;
  readonly exited: Promise<number | null>;

  constructor(o: { script: string; vus: number; durationMs: number; runDir: string; endpoints: readonly K6Endpoint[] }) {
    const env: NodeJS.ProcessEnv = { ...process.env, K6_NO_USAGE_REPORT: 'true', GAMEDAY_URLS: JSON.stringify(o.endpoints) };
    for (const e of o.endpoints) env[envName(e.az, e.endpoint)] = e.url;
    const args = [
      'run',
      '--quiet',
      '--no-color',
      '--no-usage-report',
      '--vus',
      String(o.vus),
      '--duration',
      `${Math.max(1, Math.round(o.durationMs / 1000))}s`,
      '--summary-export',
      join(o.runDir, 'k6-summary.json'),
      '--out',
      `json=${join(o.runDir, 'k6-points.ndjson')}`,
      '--log-output',
      `file=${join(o.runDir, 'k6.log')}`,
      o.script,
    ];
    this.child = spawn('k6', args, { env, stdio: ['ignore', 'ignore', 'ignore'] });
    this.exited = new Promise((r) => {
      this.child.once('exit', (code) => r(code));
      this.child.once('error', () => r(null));
    });
  }

  /** Waits for k6 to end by itself (its duration, then its iterations' graceful stop); after `graceMs` asks it to stop (SIGINT: it still writes its summary). */
  async finish(graceMs: number): Promise<number | null> {
    const timer = setTimeout(() => this.child.kill('SIGINT'), graceMs);
    const kill = setTimeout(() => this.child.kill('SIGKILL'), graceMs + 10_000);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
      clearTimeout(kill);
    }
  }

  stop(): void {
    if (this.child.exitCode === null) this.child.kill('SIGINT');
  }
}

interface Window {
  readonly name: string;
  readonly startMs: number;
  readonly endMs: number;
}

/** The points of `k6-points.ndjson`, cut into the run's phases (times from the run's start). */
export async function k6Figures(
  runDir: string,
  script: string,
  vus: number,
  exitCode: number | null,
  startedAt: Date,
  phases: readonly Window[],
): Promise<K6Figures> {
  const points = join(runDir, 'k6-points.ndjson');
  const per = new Map(phases.map((p) => [p.name, { reqs: 0, failed: 0, failedN: 0, durations: [] as number[], pass: 0, fail: 0 }]));
  const phaseAt = (ms: number): string | undefined => phases.find((p) => ms >= p.startMs && ms < p.endMs)?.name;
  if (existsSync(points)) {
    const t0 = startedAt.getTime();
    for await (const line of createInterface({ input: createReadStream(points), crlfDelay: Infinity })) {
      if (!line.startsWith('{"metric"') && !line.includes('"type":"Point"')) continue;
      let p: { type?: string; metric?: string; data?: { time?: string; value?: number } };
      try {
        p = JSON.parse(line) as typeof p;
      } catch {
        continue;
      }
      if (p.type !== 'Point' || !p.data?.time || typeof p.data.value !== 'number') continue;
      const name = phaseAt(Date.parse(p.data.time) - t0);
      const s = name === undefined ? undefined : per.get(name);
      if (!s) continue;
      if (p.metric === 'http_reqs') s.reqs += p.data.value;
      else if (p.metric === 'http_req_failed') {
        s.failedN++;
        s.failed += p.data.value;
      } else if (p.metric === 'http_req_duration') s.durations.push(p.data.value);
      else if (p.metric === 'checks') p.data.value ? s.pass++ : s.fail++;
    }
  }
  const q = (sorted: number[], f: number): number | null => (sorted.length ? Math.round((quantile(sorted, f) as number) * 10) / 10 : null);
  return {
    script,
    vus,
    exitCode,
    phases: phases.map((w) => {
      const s = per.get(w.name) ?? { reqs: 0, failed: 0, failedN: 0, durations: [], pass: 0, fail: 0 };
      const secs = Math.max(0.001, (w.endMs - w.startMs) / 1000);
      s.durations.sort((a, b) => a - b);
      return {
        phase: w.name,
        requests: s.reqs,
        requestsPerSec: Math.round((s.reqs / secs) * 10) / 10,
        failedShare: s.failedN ? Math.round((s.failed / s.failedN) * 10_000) / 10_000 : 0,
        p50Ms: q(s.durations, 0.5),
        p95Ms: q(s.durations, 0.95),
        p99Ms: q(s.durations, 0.99),
        checksPassed: s.pass,
        checksFailed: s.fail,
      };
    }),
    files: { summary: 'k6-summary.json', points: 'k6-points.ndjson' },
  };
}
