// gameday schedule <experiment>... --cron "0 10 * * TUE" [--runs-dir runs]: game days
// on a cron schedule, in the foreground (a systemd unit or a container keeps it
// running; README "Scheduled game days"). At each tick the experiments run one after
// the other, each as its own `gameday run` process with a fresh seed (recorded in its
// run folder and the runs folder's index), never two at once: a tick that comes while
// game days still run is skipped, and said. A failed game day is reported and the
// schedule goes on. SIGTERM or Ctrl-C stops the schedule: the game day in progress is
// interrupted cleanly (it heals its faults and stops its cluster), then it exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { EXIT, UsageError } from '../errors.ts';

interface Args {
  experiments: string[];
  cron: string;
  'runs-dir': string;
  'max-runs': number | undefined;
  duration: string | undefined;
  provider: string | undefined;
}

const VERDICT: Record<number, string> = { 0: 'PASS', 1: 'FAIL', 2: 'BAD INPUT', 3: 'UNKNOWN', 130: 'INTERRUPTED' };
const stamp = (): string => new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');

export const command: CommandModule<object, Args> = {
  command: 'schedule <experiments..>',
  describe: 'run game days on a cron schedule, one at a time, each with a fresh seed, in the foreground (SIGTERM stops it cleanly)',
  builder: (y) =>
    y
      .positional('experiments', { type: 'string', array: true, demandOption: true, describe: 'experiment files, run one after the other at each tick' })
      .option('cron', {
        type: 'string',
        demandOption: true,
        requiresArg: true,
        describe: 'when: a cron expression (5 fields, or 6 with seconds first), e.g. "0 10 * * TUE"',
      })
      .option('runs-dir', { type: 'string', default: 'runs', requiresArg: true, describe: 'where run folders go (and the index gameday history reads)' })
      .option('max-runs', { type: 'number', requiresArg: true, describe: 'stop after this many game days (default: never)' })
      .option('duration', { type: 'string', requiresArg: true, describe: 'passed to each gameday run' })
      .option('provider', { type: 'string', requiresArg: true, describe: 'passed to each gameday run' }),
  handler: async (a) => {
    for (const name of ['cron', 'runs-dir', 'max-runs', 'duration', 'provider'] as const) {
      if (Array.isArray(a[name])) throw new UsageError(`given ${(a[name] as unknown[]).length} times`, `give --${name} once`, `--${name}`);
    }
    const { Cron } = await import('croner');
    let probe: InstanceType<typeof Cron>;
    try {
      probe = new Cron(a.cron, { paused: true });
    } catch (err) {
      throw new UsageError(
        `"${a.cron}" is not a cron expression: ${(err as Error).message}`,
        'write 5 fields (minute hour day month weekday), e.g. --cron "0 10 * * TUE", or 6 with seconds first',
        '--cron',
      );
    }
    if (probe.nextRun() === null)
      throw new UsageError(`"${a.cron}" never comes again`, 'give a schedule with a next time, e.g. --cron "0 10 * * TUE"', '--cron');
    probe.stop();
    if (a['max-runs'] !== undefined && !(Number.isInteger(a['max-runs']) && a['max-runs'] > 0))
      throw new UsageError(`must be a whole number above 0, got ${a['max-runs']}`, 'e.g. --max-runs 10, or leave it out to run until stopped', '--max-runs');
    // every experiment is checked before the first game day: a bad one later would stop the routine at 3 a.m.
    const { loadExperiment } = await import('../../experiment/load.ts');
    for (const e of a.experiments) {
      try {
        loadExperiment(e);
      } catch (err) {
        if (err instanceof UsageError) throw new UsageError(`${e}: ${err.message}`, err.fix, err.where);
        throw err;
      }
    }
    const runsDir = resolve(a['runs-dir']);
    try {
      const { makeRunDir } = await import('../../runner/run-dir.ts'); // one level at a time: a recursive mkdir spins under /proc
      makeRunDir(runsDir);
      const t = join(runsDir, `.gameday-probe-${process.pid}`);
      writeFileSync(t, '');
      rmSync(t);
    } catch (err) {
      throw new UsageError(
        `cannot write in ${runsDir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        'give a folder you may write to: --runs-dir runs',
        '--runs-dir',
      );
    }

    let runs = 0;
    let busy = false;
    let stopping = false;
    let child: ChildProcess | undefined;
    let done: () => void = () => undefined;
    const finished = new Promise<void>((r) => (done = r));
    const say = (s: string): void => void process.stdout.write(`${new Date().toISOString()}  ${s}\n`);
    const runOne = (file: string): Promise<number> =>
      new Promise((res) => {
        const out = join(runsDir, `${stamp()}-${basename(file).replace(/\.(ya?ml|json)$/, '')}-${runs}`);
        const args = [
          ...process.execArgv,
          process.argv[1] as string,
          'run',
          file,
          '--out',
          out,
          '--quiet',
          ...(a.duration ? ['--duration', a.duration] : []),
          ...(a.provider ? ['--provider', a.provider] : []),
        ];
        say(`game day ${runs + 1}: ${file} → ${out}`);
        child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
        child.once('exit', (code, signal) => {
          child = undefined;
          res(code ?? (signal ? 130 : 3));
        });
      });
    const job = new Cron(a.cron, async () => {
      if (stopping) return;
      if (busy) {
        say(`tick skipped: the game days of the last tick still run (${a.cron}; never two at once)`);
        return;
      }
      busy = true;
      try {
        for (const file of a.experiments) {
          if (stopping) break;
          const code = await runOne(file);
          runs++;
          say(`game day ${runs}: ${file}: ${VERDICT[code] ?? `exit ${code}`}${code !== 0 && code !== 130 ? ' (the schedule goes on)' : ''}`);
          if (a['max-runs'] !== undefined && runs >= a['max-runs']) {
            stopping = true;
            break;
          }
        }
      } finally {
        busy = false;
      }
      if (stopping) {
        job.stop();
        done();
      } else say(`next tick ${job.nextRun()?.toISOString() ?? 'never'}`);
    });
    say(
      `schedule "${a.cron}": ${a.experiments.join(', ')}; run folders in ${runsDir}; first tick ${job.nextRun()?.toISOString() ?? 'never'} (SIGTERM or Ctrl-C stops it)`,
    );
    const stop = (sig: string): void => {
      if (stopping && !child) {
        done();
        return;
      }
      stopping = true;
      job.stop();
      say(`${sig}: stopping the schedule${child ? '; interrupting the game day in progress (it heals its faults and stops its cluster)' : ''}`);
      if (child) child.kill('SIGTERM');
      else done();
    };
    const onTerm = (): void => stop('SIGTERM');
    const onInt = (): void => stop('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
    try {
      await finished;
      while (child || busy) await new Promise((r) => setTimeout(r, 100));
    } finally {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
    }
    say(`schedule stopped after ${runs} game day(s)`);
    process.exitCode = EXIT.ok;
  },
};
