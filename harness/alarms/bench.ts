// npm run bench:alarms [-- RUN_DIR...] [--ops N] [--rounds R]
// Figures for the alarm rules (issue "Customer-facing alarms"):
// 1. Replay speed: every rule kind over a synthetic canary history of N completed
//    calls (default 10^6; 3 AZs x 3 endpoints, error bursts every 30 s), medians of R
//    rounds, each kind alone and all five together.
// 2. Given run folders (e.g. runs/* of the ready experiments): per rule kind, at its
//    defaults, the median time from each fault with customer impact to its first
//    canary error (from result.json) and to the first alarm of that kind put down to
//    it (the same replay `gameday review --alarms` does).
// Figures, not a timed test: run it on a quiet machine.

import { parse } from 'yaml';
import { parseRulesFile } from '../experiment/alarm-rules.ts';
import type { Op } from '../history/op.ts';
import { alarmRules, loadRunFolder } from '../runner/run-folder.ts';
import { replayRules } from './alarm-set.ts';
import { replayRuleSets } from './replay.ts';
import type { AlarmRule } from './rules.ts';

const KINDS: Record<string, string> = {
  'error-rate': '{ kind: error-rate, window: 3s, error-rate: 0.2, clear-rate: 0.1, min-requests: 5 }',
  latency: '{ kind: latency, window: 3s, percentile: 99, above: 1s }',
  'burn-rate': '{ kind: burn-rate, slo: 0.999 }',
  'az-outlier': '{ kind: az-outlier, signal: error-rate, window: 3s, factor: 3, floor: 0.05 }',
  absent: '{ kind: absent, window: 2s }',
};

function rulesOf(kind: string): readonly AlarmRule[] {
  const r = parseRulesFile(parse(`rules:\n  - ${KINDS[kind]}\n`));
  if (!r.rules) throw new Error(`bench rule ${kind}: ${JSON.stringify(r.problems)}`);
  return r.rules;
}

const median = (xs: readonly number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] as number;
};

/** N completed calls, 90 ops/s spread over 9 canaries; az2's calls fail for 5 s every 30 s (a zonal fault). */
function synthetic(n: number): Op[] {
  const azs = ['az1', 'az2', 'az3'];
  const eps = ['e1', 'e2', 'e3'];
  const out: Op[] = [];
  let x = 12345;
  const rnd = (): number => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < n; i++) {
    const time = (i / 90) * 1000;
    const az = azs[i % 3] as string;
    const endpoint = eps[Math.floor(i / 3) % 3] as string;
    const burst = az === 'az2' && time % 30_000 > 10_000 && time % 30_000 < 15_000;
    const fail = burst ? rnd() < 0.8 : rnd() < 0.005;
    out.push({
      index: i,
      type: fail ? 'info' : 'ok',
      f: 'read',
      key: 'k',
      value: null,
      process: i % 9,
      time,
      az,
      endpoint,
      latencyMs: fail ? 2500 : 2 + rnd() * 10,
      ...(fail ? { error: 'timeout' } : {}),
    });
  }
  return out;
}

function replaySpeed(n: number, rounds: number): void {
  const t0 = performance.now();
  const history = synthetic(n);
  console.log(`# replay speed: ${n.toLocaleString('en')} completed calls (made in ${Math.round(performance.now() - t0)} ms), ${rounds} rounds, median ms`);
  const sets: [string, readonly AlarmRule[]][] = [
    ...Object.keys(KINDS).map((k) => [k, rulesOf(k)] as [string, readonly AlarmRule[]]),
    ['all five', Object.keys(KINDS).flatMap((k) => rulesOf(k).map((r) => ({ ...r, name: k })))],
  ];
  for (const [name, rules] of sets) {
    const ms: number[] = [];
    let changes = 0;
    for (let r = 0; r < rounds; r++) {
      const t = performance.now();
      changes = replayRules(history, rules).length;
      ms.push(performance.now() - t);
    }
    console.log(`  ${name.padEnd(12)} ${String(Math.round(median(ms) ?? 0)).padStart(7)} ms  (${changes} alarm changes)`);
  }
}

function detection(dirs: readonly string[]): void {
  const folders = dirs.map((d) => loadRunFolder(d, ['result', 'experiment']));
  const runs = folders.map((f) => ({
    name: f.dir,
    history: f.history,
    faults: f.faults,
    ownRules: alarmRules(f) ?? [],
    canaryTimeoutMs: f.experiment?.experiment?.canaries.timeoutMs ?? 2500,
  }));
  const firstErrors = folders.flatMap((f) => (f.result?.faults ?? []).map((x) => x.firstErrorAfterMs).filter((v): v is number => v !== null));
  console.log(
    `# detection over ${dirs.length} run folder(s): median first canary error after a fault ${median(firstErrors) ?? '-'} ms (${firstErrors.length} faults)`,
  );
  const rp = replayRuleSets(
    runs,
    Object.keys(KINDS).map((k) => ({ name: k, rules: rulesOf(k) })),
  );
  for (const s of rp.sets) {
    const t = s.total;
    console.log(
      `  ${s.name.padEnd(12)} first alarm after the fault: median ${t.medianDetectMs === null ? '-' : `${Math.round(t.medianDetectMs)} ms`}; detected ${t.detected} of ${rp.faultsWithImpact} faults with impact; ${t.pages} pages, ${t.pagesWithoutFault} with no fault behind them`,
    );
  }
}

const argv = process.argv.slice(2);
const flag = (name: string, d: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i < 0 ? d : Number(argv[i + 1]);
};
const dirs = argv.filter((a, i) => !a.startsWith('--') && !argv[i - 1]?.startsWith('--'));
replaySpeed(flag('ops', 1_000_000), flag('rounds', 3));
if (dirs.length > 0) detection(dirs);
