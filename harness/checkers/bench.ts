// npm run bench:check: how fast the checkers decide, parsing excluded. Prints one row
// per history: verdict, min and median time over repeated runs, and Porcupine beside
// it: measured in the same invocation, right after gameday on the same file, when Go
// is here (bench-porcupine.ts; the ratio is gameday's median over Porcupine's), else
// its figure last recorded, marked as such. Histories: the shared Porcupine data (if
// ../shared is there; kv histories both key by key and as one map, --kv for those rows
// only), the generated families of the shapes that make checkers slow (bench-shapes.ts;
// --shapes for those rows only), seeded canary-shaped histories of 10^5 and 10^6 lines,
// valid and corrupted, and small hot-key histories full of timed-out writes that stay
// open (where Porcupine stalls).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import type { Op, Value } from '../history/op.ts';
import { readHistory } from '../history/read-history.ts';
import type { CheckResult } from './check.ts';
import { measurePorcupine, porcupineMissing, type PorcupineKind } from './bench-porcupine.ts';
import { RECORDED, shapeHistories } from './bench-shapes.ts';
import { generateHistory } from './gen-history.ts';
import { checkLinearizable, type LinOptions, type ModelName } from './linearizable.ts';
import { checkLostWrites } from './lost-writes.ts';

interface Row {
  name: string;
  lines: number;
  verdict: string;
  expected: string;
  min: number;
  median: number;
  porcupine: string;
  ratio: string;
  /** Porcupine's median when measured here */
  porcMs?: number;
  heapMB: number;
}

/** Porcupine's run on the same file, or its recorded figure. */
interface Porc {
  readonly file: string;
  readonly kind: PorcupineKind;
  readonly runs: number;
  readonly recorded: string;
}

const rows: Row[] = [];
const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const missing = porcupineMissing();
const PORCUPINE_TIMEOUT_S = 20;
/** rows where Porcupine decided within 1 s: [gameday median, Porcupine median] */
const fast: Array<[string, number, number]> = [];

function time(fn: () => CheckResult, minRuns: number, budgetMs: number): { r: CheckResult; min: number; median: number; heapMB: number } {
  const ts: number[] = [];
  let r: CheckResult | undefined;
  let heap = 0;
  const t0 = performance.now();
  while (ts.length < minRuns || (performance.now() - t0 < budgetMs && ts.length < 200)) {
    // JS heap plus typed-array buffers (the search's memo lives in those)
    const used = (): number => {
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const h0 = used();
    const t = performance.now();
    r = fn();
    ts.push(performance.now() - t);
    heap = Math.max(heap, (used() - h0) / 1e6);
  }
  ts.sort((a, b) => a - b);
  return { r: r as CheckResult, min: ts[0] as number, median: ts[Math.floor(ts.length / 2)] as number, heapMB: heap };
}

function lin(
  name: string,
  ops: Op[],
  model: ModelName,
  initial: Value,
  expected: string,
  porc: Porc | string,
  runs: number,
  budget: number,
  extra: LinOptions = {},
): void {
  // warm up; a history left undecided is timed once, not again and again
  if (checkLinearizable(ops, { model, initial, witness: false, timeoutMs: 120_000, ...extra }).verdict === 'unknown') {
    runs = 1;
    budget = 0;
  }
  const t = time(() => checkLinearizable(ops, { model, initial, witness: false, timeoutMs: 120_000, ...extra }), runs, budget);
  let porcupine = typeof porc === 'string' ? porc : `${porc.recorded} (recorded)`;
  let ratio = '';
  let porcMs: number | undefined;
  if (typeof porc !== 'string' && missing === undefined) {
    const p = measurePorcupine(porc.file, porc.kind, porc.runs, PORCUPINE_TIMEOUT_S);
    const decided = p.verdict !== 'unknown';
    porcupine = decided ? `${fmt(p.medianMs)} ${p.verdict}` : `> ${PORCUPINE_TIMEOUT_S * 1000} unknown`;
    ratio = decided ? `${(t.median / p.medianMs).toPrecision(2)}x` : `< ${(t.median / (PORCUPINE_TIMEOUT_S * 1000)).toPrecision(2)}x`;
    if (decided && p.medianMs <= 1000) fast.push([name, t.median, p.medianMs]);
    if (decided) porcMs = p.medianMs;
  }
  if (typeof porc !== 'string' && missing !== undefined && porc.recorded === '') porcupine = '';
  rows.push({
    name,
    lines: ops.length,
    verdict: t.r.verdict,
    expected,
    min: t.min,
    median: t.median,
    porcupine,
    ratio,
    ...(porcMs === undefined ? {} : { porcMs }),
    heapMB: t.heapMB,
  });
}

const fmt = (n: number): string => (n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(2) : n.toFixed(3));

const PORCUPINE: Record<string, string> = {
  'jepsen/etcd_002.log': '143',
  'jepsen/etcd_040.log': '8.9',
  'jepsen/etcd_080.log': '6.4',
  'kv/c01-ok.txt': '< 1',
  'kv/c01-bad.txt': '< 1',
  'kv/c10-ok.txt': '< 1',
  'kv/c10-bad.txt': '< 1',
};
/** Porcupine checking the kv histories as one map (no partition by key). */
const PORCUPINE_WHOLE_MAP: Record<string, string> = {
  'kv/c10-ok.txt': '2000 (560-670 MB)',
  'kv/c10-bad.txt': '1900 (560-670 MB)',
};

function porcupineData(): void {
  const dir = fileURLToPath(new URL('../../../shared/testdata/porcupine/', import.meta.url));
  if (!existsSync(`${dir}expected.tsv`)) {
    process.stdout.write(`(skipping the Porcupine data: ${dir} is absent)\n`);
    return;
  }
  const list = readFileSync(`${dir}expected.tsv`, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split('\t') as [string, string]);
  const before = rows.length;
  for (const [file, exp] of list.filter(([f]) => !args.has('--kv') || f.startsWith('kv/'))) {
    const h = readHistory(dir + file); // parsing: not timed
    const want = exp === 'true' ? 'pass' : 'fail';
    const porc = (kind: PorcupineKind, recorded: string): Porc => ({ file: dir + file, kind, runs: 5, recorded });
    if (file.startsWith('kv/')) {
      lin(`${file} per key`, h.ops, h.model, h.initial, want, porc('kv', PORCUPINE[file] ?? ''), 5, quick ? 20 : 200);
      lin(`${file} as one map`, h.ops, h.model, h.initial, want, porc('kvwhole', PORCUPINE_WHOLE_MAP[file] ?? ''), 5, quick ? 200 : 2000, { wholeMap: true });
      lin(`${file} as one map, no backjumping`, h.ops, h.model, h.initial, want, PORCUPINE_WHOLE_MAP[file] ?? '', 5, quick ? 200 : 2000, {
        wholeMap: true,
        backjump: false,
      });
    } else lin(file, h.ops, h.model, h.initial, want, porc('etcd', PORCUPINE[file] ?? '0.03-0.3'), 5, quick ? 20 : 200);
  }
  const etcd = rows.slice(before).filter((r) => r.name.startsWith('jepsen/'));
  if (etcd.length === 0) return;
  rows.push({
    name: `all ${etcd.length} etcd histories (sum)`,
    lines: etcd.reduce((s, r) => s + r.lines, 0),
    verdict: `${etcd.filter((r) => r.verdict === r.expected).length}/${etcd.length} right`,
    expected: '',
    min: etcd.reduce((s, r) => s + r.min, 0),
    median: etcd.reduce((s, r) => s + r.median, 0),
    ...sumOfPorcupine(etcd),
    heapMB: 0,
  });
}

/** Porcupine's column for a sum of rows: the sum of its medians when all were measured here. */
function sumOfPorcupine(rs: readonly Row[]): Pick<Row, 'porcupine' | 'ratio'> {
  if (rs.some((r) => r.porcMs === undefined)) return { porcupine: '163 (recorded)', ratio: '' };
  const p = rs.reduce((s, r) => s + (r.porcMs as number), 0);
  return { porcupine: fmt(p), ratio: `${(rs.reduce((s, r) => s + r.median, 0) / p).toPrecision(2)}x` };
}

function shapes(): void {
  for (const s of shapeHistories(quick)) {
    const h = readHistory(s.file); // parsing: not timed
    // gameday gets the same timeout as Porcupine here
    lin(s.name, h.ops, h.model, h.initial, s.expected, { file: s.file, kind: s.kind, runs: s.runs, recorded: RECORDED[s.name] ?? '' }, 3, quick ? 20 : 200, {
      timeoutMs: PORCUPINE_TIMEOUT_S * 1000,
    });
  }
}

function generated(): void {
  const sizes = quick ? [1e5] : [1e5, 1e6];
  for (const lines of sizes) {
    for (const corrupt of [false, true]) {
      const ops = generateHistory({ lines, keys: lines / 100, clients: 40, seed: 42, corrupt });
      const open = ops.filter((o) => o.type === 'info').length;
      const name = `canary ${lines.toExponential(0)} ${corrupt ? 'corrupted' : 'valid'} (${open} info)`;
      lin(`${name}: linearizable`, ops, 'kv', null, corrupt ? 'fail' : 'pass', '', 3, 0);
      const t = time(() => checkLostWrites(ops), 3, 0);
      rows.push({
        name: `${name}: lost-writes`,
        lines: ops.length,
        verdict: t.r.verdict,
        expected: corrupt ? 'fail' : 'pass',
        min: t.min,
        median: t.median,
        porcupine: '',
        ratio: '',
        heapMB: t.heapMB,
      });
    }
  }
  // one hot key, 10 clients, a partition's worth of timed-out writes left open
  for (const [label, range] of [
    ['unique values', undefined],
    ['values 0-4', 5],
  ] as const) {
    for (const seed of [1, 2, 3]) {
      const ops = generateHistory({ lines: 940, keys: 1, clients: 10, seed, timeoutRate: 0.13, ...(range === undefined ? {} : { valueRange: range }) });
      const open = ops.filter((o) => o.type === 'info' && o.f !== 'read').length;
      lin(
        `hot key, ${open} open writes, ${label}, seed ${seed}`,
        ops,
        'kv',
        null,
        'pass',
        seed === 1 && range === undefined ? '53000-84000 (similar etcd history)' : '',
        3,
        quick ? 20 : 200,
      );
    }
  }
}

function table(): void {
  const head = ['history', 'lines', 'verdict', 'expected', 'min ms', 'median ms', 'porcupine ms', 'ratio', 'heap MB'];
  const mb = (x: number): string => (x <= 0 ? '' : x >= 10 ? x.toFixed(0) : x.toFixed(1));
  const body = rows.map((r) => [r.name, String(r.lines), r.verdict, r.expected, fmt(r.min), fmt(r.median), r.porcupine, r.ratio, mb(r.heapMB)]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 || i === 6 ? c.padEnd(w[i] as number) : c.padStart(w[i] as number))).join('  ');
  process.stdout.write([line(head), w.map((n) => '-'.repeat(n)).join('  '), ...body.map(line)].join('\n') + '\n');
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
  process.stdout.write(
    `\nnode ${process.version}, ${os.cpus().length} x ${cpu}, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}, max RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB\n`,
  );
  if (missing !== undefined) process.stdout.write(`Porcupine not run (${missing}): its figures are the ones last recorded\n`);
  else {
    const slow = fast.filter(([, g, p]) => g > Math.max(2 * p, 5));
    process.stdout.write(
      `Porcupine measured in this invocation (same files, parsing excluded, ${PORCUPINE_TIMEOUT_S} s timeout); ` +
        `of the ${fast.length} histories it decided within 1 s, gameday took more than max(2x, 5 ms) on ${slow.length}${slow.length > 0 ? `: ${slow.map(([n]) => n).join(', ')}` : ''}\n`,
    );
  }
  const undecided = rows.filter((r) => r.expected !== '' && r.verdict === 'unknown');
  if (undecided.length > 0)
    process.stdout.write(`undecided by gameday within its timeout: ${undecided.map((r) => `${r.name} (Porcupine: ${r.porcupine || 'not run'})`).join(', ')}\n`);
  const wrong = rows.filter((r) => r.expected !== '' && r.verdict !== r.expected && r.verdict !== 'unknown');
  if (wrong.length > 0) process.stdout.write(`WRONG VERDICTS: ${wrong.map((r) => r.name).join(', ')}\n`);
}

if (!args.has('--shapes')) porcupineData();
if (!args.has('--kv')) shapes();
if (!args.has('--kv') && !args.has('--shapes')) generated();
table();
