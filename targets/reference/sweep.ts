// `npm run sweep:failover [-- --runs 100] [--seed 1] [--lock FILE] [--tally FILE]`:
// N seeded game days of power-offs and a partition on the reference cluster
// (test/fixtures/sweep-power-off-partition.yaml: a leader powered off, then any
// storage node, then a majority/minority cut, each healed before the next), each
// a real `gameday run` in its own process, one after the other. Prints one line per
// run and a tally: acknowledged writes lost, linearizable, the scrub's agreement
// and the other checks, per verdict. Not a test: run it alone on the machine, or
// with `--lock FILE` so that each run takes that flock(1) lock (other heavy work
// on the machine waits between runs, not inside one).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = 'test/fixtures/sweep-power-off-partition.yaml';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = process.argv[i + 1];
  if (v === undefined || v.startsWith('--')) {
    process.stderr.write(`--${name} needs a value\n`);
    process.exit(2);
  }
  return v;
}
function whole(name: string, dflt: number): number {
  const s = option(name);
  const v = s === undefined ? dflt : Number(s);
  if (!Number.isInteger(v) || v < 1) {
    process.stderr.write(`--${name} takes a whole number of at least 1, got ${s}\n`);
    process.exit(2);
  }
  return v;
}
const known = new Set(['--runs', '--seed', '--lock', '--tally']);
for (const a of process.argv.slice(2)) {
  if (a.startsWith('--') && !known.has(a)) {
    process.stderr.write(`unknown option ${a}: the options are --runs N, --seed S, --lock FILE, --tally FILE\n`);
    process.exit(2);
  }
}
const runs = whole('runs', 10);
const firstSeed = whole('seed', 1);
const lock = option('lock');
const tallyFile = option('tally');
const dir = mkdtempSync(join(tmpdir(), 'gameday-sweep-'));

interface Check {
  readonly name: string;
  readonly verdict: string;
  readonly summary: string;
}
interface Run {
  readonly seed: number;
  readonly exit: number | null;
  readonly verdict: string;
  readonly checks: Record<string, string>;
  readonly lostWrites: number;
  readonly notes: string[];
}

const done: Run[] = [];
const started = performance.now();
process.stdout.write(`sweep: ${runs} runs of ${fixture}, seeds ${firstSeed}-${firstSeed + runs - 1}, run folders under ${dir}\n`);
for (let seed = firstSeed; seed < firstSeed + runs; seed++) {
  const out = join(dir, `s${seed}`);
  const cmd = [process.execPath, '--import', 'tsx', 'harness/cli/main.ts', 'run', fixture, '--seed', String(seed), '--out', out, '--quiet', '--json'];
  const r = lock
    ? spawnSync('flock', [lock, ...cmd], { cwd: root, encoding: 'utf8' })
    : spawnSync(cmd[0] as string, cmd.slice(1), { cwd: root, encoding: 'utf8' });
  let verdict = 'crashed';
  const checks: Record<string, string> = {};
  let lostWrites = 0;
  const notes: string[] = [];
  try {
    const res = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as { verdict: string; checks: Check[] };
    verdict = res.verdict;
    for (const c of res.checks) {
      checks[c.name] = c.verdict;
      if (c.verdict !== 'pass') notes.push(`${c.name}: ${c.summary}`);
      if (c.name === 'lost-writes') lostWrites = Number(/(\d+) acknowledged write/.exec(c.summary)?.[1] ?? 0);
    }
  } catch {
    notes.push(`no result.json (exit ${r.status}): ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' / ')}`);
  }
  done.push({ seed, exit: r.status, verdict, checks, lostWrites, notes });
  process.stdout.write(
    `seed ${seed}: ${verdict} (exit ${r.status}) ${Object.entries(checks)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}${notes.length ? `\n    ${notes.join('\n    ')}` : ''}\n`,
  );
}

const names = [...new Set(done.flatMap((d) => Object.keys(d.checks)))];
const count = (f: (d: Run) => boolean): number => done.filter(f).length;
const lines = [
  `${runs} runs (seeds ${firstSeed}-${firstSeed + runs - 1}) in ${Math.round((performance.now() - started) / 1000)} s: ${count((d) => d.verdict === 'pass')} pass, ${count((d) => d.verdict === 'fail')} fail, ${count((d) => d.verdict !== 'pass' && d.verdict !== 'fail')} other`,
  `acknowledged writes lost: ${done.reduce((s, d) => s + d.lostWrites, 0)} in all`,
  ...names.map(
    (n) =>
      `  ${n.padEnd(16)} pass ${count((d) => d.checks[n] === 'pass')}, fail ${count((d) => d.checks[n] === 'fail')}, unknown ${count((d) => d.checks[n] === 'unknown')}, not run ${count((d) => d.checks[n] === undefined)}`,
  ),
];
const failed = done.filter((d) => d.verdict !== 'pass');
if (failed.length > 0) lines.push(`not passing: seeds ${failed.map((d) => d.seed).join(', ')} (run folders in ${dir})`);
process.stdout.write(`\n${lines.join('\n')}\n`);
if (tallyFile) writeFileSync(tallyFile, `${JSON.stringify({ fixture, firstSeed, runs, tally: lines, runsDetail: done }, null, 2)}\n`);
