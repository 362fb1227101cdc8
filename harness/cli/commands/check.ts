// gameday check <run-folder | history-file>: re-derives the validity verdicts from a
// history alone (and, for a reference-cluster run folder, its replicas against the WALs
// it archived: check wal-reference, from scrub.json). Exit 0 valid, 1 violation, 3
// unknown (--timeout or --max-memory ran out), 2 bad input.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { combineVerdicts, runCheck, type CheckResult } from '../../checkers/check.ts';
import { checkHistory } from '../../checkers/check-history.ts';
import { formatResult } from '../../checkers/format-result.ts';
import { DEFAULT_MAX_MEMORY_MB, DEFAULT_TIMEOUT_MS } from '../../checkers/lin-budget.ts';
import type { ModelName } from '../../checkers/linearizable.ts';
import type { ReplicaReads } from '../../checkers/lost-writes.ts';
import { HistoryFormatError } from '../../history/read-error.ts';
import { FORMATS, readHistory, type HistoryFormat, type LoadedHistory } from '../../history/read-history.ts';
import { EXIT, UsageError } from '../errors.ts';
import { checkWalReference } from '../../checkers/wal-reference.ts';
import { ARCHIVING_PROVIDERS, readScrubFile } from '../../runner/scrub-file.ts';
import { ReferenceTarget } from '../../../targets/reference/target.ts';
import type { Target } from '../../../targets/target.ts';
import type { Op } from '../../history/op.ts';

interface CheckArgs {
  path: string;
  format?: HistoryFormat;
  model?: ModelName;
  timeout: number;
  maxMemory: number;
  json: boolean;
  wholeMap: boolean;
}

function load(path: string, format: HistoryFormat | undefined): { file: string; runFolder: boolean; h: LoadedHistory } {
  if (!existsSync(path)) throw new UsageError(`no such file or folder`, 'give a run folder (holding history.ndjson) or a history file', path);
  const runFolder = statSync(path).isDirectory();
  const file = runFolder ? join(path, 'history.ndjson') : path;
  if (runFolder && !existsSync(file))
    throw new UsageError('this folder holds no history.ndjson', 'give a run folder written by `gameday run`, or a history file', path);
  try {
    return { file, runFolder, h: readHistory(file, runFolder ? 'gameday' : format) };
  } catch (err) {
    if (err instanceof HistoryFormatError)
      throw new UsageError(err.message, `check the file, or give --format (${FORMATS.join(', ')})`, `${err.file}:${err.line}`);
    throw err;
  }
}

/** A run folder's replica-reads.json (each replica's value of the keys the final reads flagged), when it has one. */
function readReplicaReads(dir: string): ReplicaReads {
  const p = join(dir, 'replica-reads.json');
  if (!existsSync(p)) return {};
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as ReplicaReads;
  } catch (err) {
    throw new UsageError(`replica-reads.json is not valid JSON (${(err as Error).message})`, 'the run folder is damaged; run the game day again', p);
  }
}

/** Built-in targets that can check a run folder's archive offline (a target of one's own needs its run: `gameday run`). */
const ARCHIVE_CHECKERS: Readonly<Record<string, () => Pick<Target, 'checkArchive'>>> = { reference: () => new ReferenceTarget() };

/** Check wal-reference of a run folder, when its scrub.json names a target that can rebuild a reference replica from the archive. */
function archiveChecks(dir: string, ops: readonly Op[]): CheckResult[] {
  let scrub: ReturnType<typeof readScrubFile>;
  try {
    scrub = readScrubFile(dir);
  } catch (err) {
    throw new UsageError(`scrub.json is damaged (${(err as Error).message})`, 'the run folder is damaged; run the game day again', join(dir, 'scrub.json'));
  }
  const make = scrub ? ARCHIVE_CHECKERS[scrub.target] : undefined;
  if (!scrub || !make) return [];
  if (scrub.provider !== undefined && !ARCHIVING_PROVIDERS.includes(scrub.provider)) return []; // attach, processes: no archive here, as in the run
  return [runCheck('wal-reference', () => checkWalReference(make(), dir, scrub.digests, ops))];
}

async function handler(args: ArgumentsCamelCase<CheckArgs>): Promise<void> {
  if (!(args.timeout > 0)) throw new UsageError(`--timeout must be a positive number of seconds, not ${args.timeout}`, 'e.g. --timeout 60', '--timeout');
  if (!(args.maxMemory > 0))
    throw new UsageError(
      `--max-memory must be a positive number of megabytes, not ${args.maxMemory}`,
      `e.g. --max-memory ${DEFAULT_MAX_MEMORY_MB}`,
      '--max-memory',
    );
  const { file, runFolder, h } = load(args.path, args.format);
  const model = args.model ?? h.model;
  if (args.wholeMap && model !== 'kv') {
    throw new UsageError(`only the kv model can be checked as one map, and the model here is ${model}`, 'drop --whole-map, or give --model kv', '--whole-map');
  }
  const results: CheckResult[] = checkHistory(h.ops, {
    model,
    initial: h.initial,
    timeoutMs: args.timeout * 1000,
    maxMemoryMB: args.maxMemory,
    finalReads: h.format === 'gameday',
    wholeMap: args.wholeMap,
    ...(runFolder ? { replicaReads: readReplicaReads(args.path) } : {}),
  });
  if (runFolder) results.push(...archiveChecks(args.path, h.ops));
  const verdict = combineVerdicts(results.map((r) => r.verdict));
  if (args.json) {
    process.stdout.write(
      JSON.stringify({ path: args.path, file, runFolder, format: h.format, model, ops: h.ops.length, verdict, checks: results }, null, 2) + '\n',
    );
  } else {
    process.stdout.write(`${file} (${h.format}, ${h.ops.length} ops, model ${model})\n`);
    for (const r of results) process.stdout.write(formatResult(r) + '\n');
    process.stdout.write(`verdict: ${verdict}\n`);
  }
  process.exitCode = verdict === 'pass' ? EXIT.ok : verdict === 'fail' ? EXIT.failed : EXIT.unknown;
}

export const command: CommandModule<object, CheckArgs> = {
  command: 'check <path>',
  describe:
    "check a run folder or history file: lost writes, linearizability, a reference-cluster run folder's replicas against its archived WALs (exit 0 valid, 1 violation, 3 unknown, 2 bad input)",
  builder: (y: Argv) =>
    y
      .positional('path', { type: 'string', demandOption: true, describe: 'run folder (holding history.ndjson) or history file' })
      .option('format', { choices: FORMATS, describe: 'history format (default: guessed from the file)' })
      .option('model', { choices: ['register', 'cas-register', 'kv'] as const, describe: 'model to check against (default: from the format)' })
      .option('timeout', {
        type: 'number',
        default: DEFAULT_TIMEOUT_MS / 1000,
        describe: 'seconds the linearizability search may take before the verdict is unknown',
      })
      .option('max-memory', {
        type: 'number',
        default: DEFAULT_MAX_MEMORY_MB,
        describe: 'megabytes the linearizability search may remember before the verdict is unknown',
      })
      .option('json', { type: 'boolean', default: false, describe: 'print the results as JSON' })
      .option('whole-map', {
        type: 'boolean',
        default: false,
        describe: 'kv model: search the whole history as one map instead of key by key (same verdict, slower)',
      }) as unknown as Argv<CheckArgs>,
  handler,
};
