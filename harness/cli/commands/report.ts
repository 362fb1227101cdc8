// gameday report <run-dir>: regenerates report.html from the run folder alone and
// prints its path. Exit 0, or 2 when the folder or one of its files is missing.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { writeReport } from '../../../dashboards/report.ts';
import { RunFolderError } from '../../runner/run-folder.ts';
import { EXIT, UsageError } from '../errors.ts';

interface ReportArgs {
  runDir: string;
  openPath: boolean;
}

export function usageFrom(err: unknown): never {
  if (err instanceof RunFolderError) throw new UsageError(err.message, err.fix, err.path);
  throw err;
}

async function handler(a: ArgumentsCamelCase<ReportArgs>): Promise<void> {
  let path: string;
  try {
    path = writeReport(a.runDir);
  } catch (err) {
    usageFrom(err);
  }
  process.stdout.write(`${a.openPath ? pathToFileURL(resolve(path)).href : path}\n`);
  process.exitCode = EXIT.ok;
}

export const command: CommandModule<object, ReportArgs> = {
  command: 'report <run-dir>',
  describe: 'write report.html for a run folder from its files alone and print its path (exit 0, 2 bad input)',
  builder: (y: Argv) =>
    y
      .positional('run-dir', { type: 'string', demandOption: true, describe: 'run folder written by `gameday run`' })
      .option('open-path', { type: 'boolean', default: false, describe: 'print a file:// URL to open in a browser instead of the plain path' }) as unknown as Argv<ReportArgs>,
  handler,
};
