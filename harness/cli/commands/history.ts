// gameday history [--runs-dir DIR] [--last N] [--json]: the game days of a runs
// folder, one line each (when, experiment, seed, verdict, availability per AZ during
// chaos, time to first error and to alarm, lost writes), and how they trend: the pass
// rate, and each experiment's median time to alarm, first half against second half.
import { existsSync, statSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { EXIT, UsageError } from '../errors.ts';

interface Args {
  'runs-dir': string;
  last: number | undefined;
  json: boolean | undefined;
}

const ms = (v: number | null): string => (v === null ? '-' : v < 1000 ? `${Math.round(v)}ms` : `${(v / 1000).toFixed(1)}s`);

export const command: CommandModule<object, Args> = {
  command: 'history',
  describe: 'the game days of a runs folder and how they trend (from its index.ndjson, added to by every run)',
  builder: (y) =>
    y
      .option('runs-dir', { type: 'string', default: 'runs', requiresArg: true, describe: 'the runs folder (default runs/, where gameday run writes)' })
      .option('last', { type: 'number', requiresArg: true, describe: 'only the last N game days' })
      .option('json', { type: 'boolean', describe: 'the index entries as JSON' }),
  handler: async (a) => {
    const dir = a['runs-dir'];
    if (!existsSync(dir) || !statSync(dir).isDirectory())
      throw new UsageError(`${dir} is not a folder`, 'give the folder your runs are in: --runs-dir runs (where gameday run writes by default)', '--runs-dir');
    if (a.last !== undefined && !(Number.isInteger(a.last) && a.last > 0))
      throw new UsageError(`must be a whole number above 0, got ${a.last}`, 'e.g. --last 10', '--last');
    const { readIndex } = await import('../../runner/index.ts');
    const { indexTrends } = await import('../../runner/index-trends.ts');
    const { entries: all, unreadable } = readIndex(dir);
    const entries = a.last === undefined ? all : all.slice(-a.last);
    if (a.json) {
      process.stdout.write(JSON.stringify(entries, null, 2) + '\n');
      return;
    }
    if (entries.length === 0) {
      process.stdout.write(`no game days recorded in ${dir}/index.ndjson yet (every gameday run whose run folder is in ${dir} adds one)\n`);
      return;
    }
    const azs = [...new Set(entries.flatMap((e) => Object.keys(e.chaosAvailability)))].sort();
    const head = [
      'when (UTC)'.padEnd(19),
      'experiment'.padEnd(26),
      'seed'.padStart(10),
      'verdict'.padEnd(7),
      ...azs.map((z) => `${z} chaos`.padStart(10)),
      'first err'.padStart(9),
      'alarm'.padStart(7),
      'lost'.padStart(5),
    ];
    const lines = [head.join('  ')];
    for (const e of entries) {
      lines.push(
        [
          e.startedAt.slice(0, 19).replace('T', ' '),
          e.experiment.replace(/^.*\//, '').slice(0, 26).padEnd(26),
          String(e.seed).padStart(10),
          e.verdict.toUpperCase().padEnd(7),
          ...azs.map((z) => (e.chaosAvailability[z] === undefined ? '-' : `${((e.chaosAvailability[z] as number) * 100).toFixed(1)}%`).padStart(10)),
          ms(e.medianFirstErrorAfterMs).padStart(9),
          ms(e.medianAlarmAfterMs).padStart(7),
          String(e.lostWrites).padStart(5),
        ].join('  '),
      );
    }
    // trends: the pass rate, and per experiment the median time to alarm, earlier half against later half
    const t = indexTrends(entries);
    lines.push('', `${t.total} game days: ${t.passed} passed (${Math.round((t.passed / t.total) * 100)}%), ${t.failed} failed, ${t.undecided} undecided`);
    for (const x of t.experiments) {
      const trend =
        x.runs >= 2
          ? `; median time to alarm ${ms(x.earlier.medianAlarmAfterMs)} in the first ${x.earlier.runs} → ${ms(x.later.medianAlarmAfterMs)} in the last ${x.later.runs}`
          : '';
      lines.push(`  ${x.experiment}: ${x.runs} run(s), ${x.passed} passed${trend}`);
    }
    if (unreadable > 0) lines.push(`(${unreadable} line(s) of ${dir}/index.ndjson could not be read and were left out)`);
    process.stdout.write(lines.join('\n') + '\n');
    process.exitCode = EXIT.ok;
  },
};
