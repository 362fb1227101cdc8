// gameday report <run-dir>: regenerates report.html from the run folder alone and
// prints its path. gameday report --index [--runs-dir DIR] [--out FILE]: one page over
// every game day in DIR/index.ndjson, each row linking to its run's report.html.
// Exit 0, or 2 when the folder, the index or one of its files is missing or unreadable.
import { accessSync, constants, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { renderIndex } from '../../../dashboards/index-report.ts';
import { writeReport } from '../../../dashboards/report.ts';
import { INDEX_FILE, readIndex } from '../../runner/index.ts';
import { RunFolderError } from '../../runner/run-folder.ts';
import { EXIT, UsageError } from '../errors.ts';

interface ReportArgs {
  runDir: string | undefined;
  openPath: boolean;
  index: boolean;
  runsDir: string | undefined;
  out: string | undefined;
}

export function usageFrom(err: unknown): never {
  if (err instanceof RunFolderError) throw new UsageError(err.message, err.fix, err.path);
  throw err;
}

const NO_RUNS = 'give the folder your run folders are in: --runs-dir runs (where gameday run writes by default; every run adds a line to its index.ndjson)';

/** Writes the index page over `runsDir`; returns its path. Every problem is a UsageError naming the folder, file or flag. */
export function writeIndexPage(runsDir: string, out: string | undefined): string {
  if (!existsSync(runsDir) || !statSync(runsDir).isDirectory()) throw new UsageError(`${runsDir} is not a folder`, NO_RUNS, '--runs-dir');
  const file = join(runsDir, INDEX_FILE);
  if (!existsSync(file))
    throw new UsageError(
      `${runsDir} holds no ${INDEX_FILE}: no game day has been recorded there`,
      `run a game day whose run folder is in ${runsDir} (gameday run <experiment> --out ${join(runsDir, '<name>')}), or ${NO_RUNS}`,
      file,
    );
  try {
    accessSync(runsDir, constants.R_OK | constants.X_OK);
    if (!statSync(file).isFile()) throw new Error('not a file');
    readFileSync(file);
  } catch (err) {
    throw new UsageError(`cannot read ${file} (${(err as Error).message})`, `make ${runsDir} and its ${INDEX_FILE} readable by this user, or ${NO_RUNS}`, file);
  }
  const { entries, unreadable } = readIndex(runsDir);
  if (entries.length === 0)
    throw new UsageError(
      `${file} holds no game day that can be read (${unreadable} damaged line(s))`,
      `run a game day whose run folder is in ${runsDir}, or ${NO_RUNS}`,
      file,
    );
  const path = out ?? join(runsDir, 'index.html');
  const parent = dirname(resolve(path));
  if (existsSync(path) && statSync(path).isDirectory())
    throw new UsageError(`${path} is a folder`, 'give a file name for the page, e.g. --out runs/index.html', '--out');
  if (!existsSync(parent) || !statSync(parent).isDirectory())
    throw new UsageError(`no folder ${parent} to write ${path} into`, 'give a file in a folder that exists, e.g. --out runs/index.html', '--out');
  const html = renderIndex(entries, { runsDir, outFile: path, unreadable });
  try {
    writeFileSync(path, html);
  } catch (err) {
    throw new UsageError(`cannot write ${path} (${(err as Error).message})`, 'give a file this user can write, e.g. --out runs/index.html', '--out');
  }
  return path;
}

async function handler(a: ArgumentsCamelCase<ReportArgs>): Promise<void> {
  let path: string;
  if (a.index) {
    if (a.runDir !== undefined)
      throw new UsageError(
        `--index reports on a runs folder, and a run folder (${a.runDir}) was given too`,
        'give either a run folder (gameday report runs/<id>) or --index [--runs-dir runs]',
        '--index',
      );
    path = writeIndexPage(a.runsDir ?? 'runs', a.out);
  } else {
    if (a.runsDir !== undefined || a.out !== undefined)
      throw new UsageError(
        `${a.runsDir !== undefined ? '--runs-dir' : '--out'} is for the index page`,
        "add --index (gameday report --index --runs-dir runs), or leave it out: a run's report is always <run-dir>/report.html",
        a.runsDir !== undefined ? '--runs-dir' : '--out',
      );
    if (a.runDir === undefined)
      throw new UsageError('no run folder given', 'give one (gameday report runs/<id>), or --index for the page over all runs of a runs folder', 'report');
    try {
      path = writeReport(a.runDir);
    } catch (err) {
      usageFrom(err);
    }
  }
  process.stdout.write(`${a.openPath ? pathToFileURL(resolve(path)).href : path}\n`);
  process.exitCode = EXIT.ok;
}

export const command: CommandModule<object, ReportArgs> = {
  command: 'report [run-dir]',
  describe:
    'write report.html for a run folder from its files alone (or, with --index, one page over every run of a runs folder) and print its path (exit 0, 2 bad input)',
  builder: (y: Argv) =>
    y
      .positional('run-dir', { type: 'string', describe: 'run folder written by `gameday run`' })
      .option('index', {
        type: 'boolean',
        default: false,
        describe: "one page over every game day in the runs folder's index.ndjson, linking to each run's report.html",
      })
      .option('runs-dir', { type: 'string', requiresArg: true, describe: 'with --index: the runs folder (default runs/)' })
      .option('out', { type: 'string', requiresArg: true, describe: 'with --index: where to write the page (default <runs-dir>/index.html)' })
      .option('open-path', {
        type: 'boolean',
        default: false,
        describe: 'print a file:// URL to open in a browser instead of the plain path',
      }) as unknown as Argv<ReportArgs>,
  handler,
};
