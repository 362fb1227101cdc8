// `npm run bench:failover [-- --runs 20] [--seed 1]`: the reference cluster's
// failover figures, over N seeded game days with a single power-off of the leader of
// a random replication group (test/fixtures/bench-failover.yaml):
// - write availability per AZ x endpoint over the chaos phase: the share of the
//   canaries' writes (put, cas, delete, insert) that were acknowledged or definitely
//   answered (a compare-and-set that found another value), all runs together;
// - the time from the power-off (its injection, as journaled) to the first
//   acknowledged write to the group it hit that started after it: median and p99.
// Printed, not asserted. Run it alone on the machine (it runs real game days).

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { networkSetup } from '../../harness/faults/network.ts';
import type { FaultRecord } from '../../harness/faults/journal.ts';
import { isServed, type Op } from '../../harness/history/op.ts';
import { prepare } from '../../harness/runner/prepare.ts';
import { execute } from '../../harness/runner/run.ts';
import { groupOf } from './layout.ts';
import { ReferenceTarget } from './target.ts';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : dflt;
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} takes a whole number, got ${process.argv[i + 1]}`);
  return v;
};
const runs = arg('runs', 3);
const firstSeed = arg('seed', 1);
const fixture = new URL('../../test/fixtures/bench-failover.yaml', import.meta.url).pathname;
const groups = new ReferenceTarget().groups();
const lines = <T>(p: string): T[] =>
  readFileSync(p, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);

const perPair = new Map<string, { served: number; all: number }>();
const resume: number[] = [];
const never: number[] = [];
const verdicts: string[] = [];

for (let seed = firstSeed; seed < firstSeed + runs; seed++) {
  const out = join(mkdtempSync(join(tmpdir(), 'gameday-bench-failover-')), 'run');
  const p = await prepare({ file: fixture, seed, out, quiet: true });
  const net = networkSetup(p);
  const r = await execute(p, { quiet: true, actions: net.actions, ...(net.provider ? { provider: net.provider } : {}) }).finally(() => net.close());
  verdicts.push(r.verdict);
  const chaos = r.phases.find((ph) => ph.name === 'chaos');
  const inj = lines<FaultRecord>(join(out, 'faults.ndjson')).find((f) => f.event === 'inject' && !f.error);
  const history = lines<Op>(join(out, 'history.ndjson'));
  const open = new Map<number, Op>();
  let first: number | undefined;
  for (const op of history) {
    if (op.final) continue;
    if (op.type === 'invoke') {
      open.set(op.process, op);
      continue;
    }
    const inv = open.get(op.process);
    open.delete(op.process);
    if (!inv || inv.f === 'read') continue;
    if (chaos && inv.time >= chaos.startMs && inv.time < chaos.endMs) {
      const key = `${inv.az} → ${inv.endpoint}`;
      const c = perPair.get(key) ?? { served: 0, all: 0 };
      c.all++;
      if (isServed(op)) c.served++;
      perPair.set(key, c);
    }
    if (inj?.group && op.type === 'ok' && inv.time >= inj.time && groupOf(inv.key ?? '', groups).id === inj.group) {
      const after = op.time - inj.time;
      if (first === undefined || after < first) first = after;
    }
  }
  if (first !== undefined) resume.push(first);
  else never.push(seed);
  process.stdout.write(
    `seed ${seed}: ${r.verdict}, power-off ${inj?.nodes.join(',') ?? '?'} (leader of ${inj?.group ?? '?'}), first acknowledged write to it ${first === undefined ? 'never' : `${Math.round(first)} ms`} after\n`,
  );
}

const q = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? Number.NaN;
};
process.stdout.write(
  `\n${runs} runs (seeds ${firstSeed}-${firstSeed + runs - 1}), verdicts: ${verdicts.filter((v) => v === 'pass').length} pass, ${verdicts.filter((v) => v !== 'pass').length} other\n`,
);
process.stdout.write('write availability over chaos (served / writes), all runs\n');
for (const [k, c] of [...perPair].sort(([a], [b]) => a.localeCompare(b)))
  process.stdout.write(`  ${k.padEnd(24)} ${((100 * c.served) / c.all).toFixed(1).padStart(6)}%  (${c.served}/${c.all})\n`);
process.stdout.write(
  `power-off of a leader to the first acknowledged write to its group: median ${Math.round(q(resume, 0.5))} ms, p99 ${Math.round(q(resume, 0.99))} ms, max ${Math.round(Math.max(...resume))} ms over ${resume.length} run(s)${never.length ? `; no write resumed in seeds ${never.join(', ')}` : ''}\n`,
);
