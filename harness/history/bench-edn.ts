// How long reading a Jepsen history.edn of 10^6 operations takes (a figure, not a
// test). Generates the history once (seeded, register workload: invoke / ok / fail /
// info of reads, writes and cas, as Jepsen writes them, one map a line), then reads
// it with readHistory and prints the median of the runs.
//   node --import tsx harness/history/bench-edn.ts [ops=1000000] [runs=3] [--tagged] [--full]
// --tagged writes each line as a record, #jepsen.history.Op{...}, as Jepsen 0.3 does.
// --full also reads it with the full reader alone (edn-data, no fast path), the runs
// alternating, and prints both medians and their ratio.
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readHistory } from './read-history.ts';
import { readJepsenEdn } from './read-jepsen-edn.ts';

const args = process.argv.slice(2);
const tagged = args.includes('--tagged');
const full = args.includes('--full');
const [opsArg, runsArg] = args.filter((a) => !a.startsWith('--'));
const ops = Number(opsArg ?? 1_000_000);
const runs = Number(runsArg ?? 3);
if (!Number.isInteger(ops) || ops < 2 || !Number.isInteger(runs) || runs < 1) {
  process.stderr.write('usage: bench-edn.ts [ops >= 2] [runs >= 1] [--tagged] [--full]\n');
  process.exit(2);
}

function generate(path: string): void {
  let seed = 42;
  const rand = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
  const lines: string[] = [];
  const open = (tagged ? '#jepsen.history.Op' : '') + '{';
  for (let i = 0, time = 0; i + 1 < ops; i += 2) {
    const process = rand(10);
    const f = ['read', 'write', 'cas'][rand(3)] as string;
    const v = f === 'read' ? 'nil' : f === 'write' ? String(rand(5)) : `[${rand(5)} ${rand(5)}]`;
    lines.push(`${open}:type :invoke, :f :${f}, :value ${v}, :process ${process}, :time ${(time += 1000 + rand(9000))}, :index ${i}}`);
    const type = ['ok', 'ok', 'ok', 'fail', 'info'][rand(5)] as string;
    const out = f === 'read' && type === 'ok' ? String(rand(5)) : v;
    lines.push(
      `${open}:type :${type}, :f :${f}, :value ${out}, :process ${process}, :time ${(time += 1000 + rand(90000))}, :index ${i + 1}${type === 'info' ? ', :error :timeout' : ''}}`,
    );
  }
  writeFileSync(path, lines.join('\n') + '\n');
}

const file = join(tmpdir(), `gameday-bench-${ops}${tagged ? '-tagged' : ''}.edn`);
if (!existsSync(file)) generate(file);
const readers: readonly (readonly [string, () => number])[] = [
  ['fast path + full reader', () => readHistory(file, 'jepsen-edn').ops.length],
  ...(full ? [['full reader (edn-data) alone', () => readJepsenEdn(file, { full: true }).length] as const] : []),
];
const times = readers.map((): number[] => []);
let read = 0;
for (let r = 0; r < runs; r++) {
  readers.forEach(([, readAll], k) => {
    const t0 = performance.now();
    read = readAll();
    (times[k] as number[]).push(performance.now() - t0);
  });
}
const medians = times.map((ts) => {
  ts.sort((a, b) => a - b);
  return ts[Math.floor(ts.length / 2)] as number;
});
const s = (ms: number): string => (ms / 1000).toFixed(2);
readers.forEach(([label], k) => {
  const ts = times[k] as number[];
  process.stdout.write(
    `${file}: ${read} ops read, ${label}: median ${s(medians[k] as number)} s over ${runs} run(s) (min ${s(ts[0] as number)}, max ${s(ts.at(-1) as number)})\n`,
  );
});
if (full) process.stdout.write(`full reader / fast path: ${((medians[1] as number) / (medians[0] as number)).toFixed(2)}x\n`);
