// gameday review <run-dir>: on-call alarm review from the run folder alone: per fault,
// whether a customer-facing alarm fired, how fast, and whether it cleared after the
// heal; and which alarms fired with no fault behind them. The alarms are the ones
// recorded live (alarms.ndjson), put down to faults by the same rule as the run's
// summary and check "alarms" (harness/alarms/review.ts), so the two always agree;
// --replay re-derives them from history.ndjson through the experiment's alarm rules.
// Exit 0: every fault with customer impact raised an alarm and no alarm is
// unexplained; 1 otherwise; 2 bad input.
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { replayAlarms } from '../../alarms/error-rate.ts';
import { outcomeText, type AlarmReview, type FaultReview } from '../../alarms/review.ts';
import { reviewFolder } from '../../../dashboards/report.ts';
import { at, dur } from '../../../dashboards/html.ts';
import { alarmSpec, loadRunFolder, type RunFolder } from '../../../dashboards/run-folder.ts';
import { EXIT, UsageError } from '../errors.ts';
import { usageFrom } from './report.ts';

interface ReviewArgs {
  runDir: string;
  json: boolean;
  grace: number | undefined;
  minErrors: number | undefined;
  replay: boolean;
}

function clearText(f: FaultReview): string {
  if (f.clear === 'no-alarm') return '';
  if (f.clear !== 'cleared') return f.clear;
  const ms = f.clearedAfterHealMs;
  return ms !== null && ms < 0 ? `cleared ${dur(-ms)} before the heal` : `cleared ${dur(ms)} after the heal`;
}

export function formatReview(r: AlarmReview, how: string): string {
  const lines = [`alarm review: ${r.changes.length} state changes ${how}`];
  if (!r.faults.length) lines.push('  no faults were injected');
  for (const f of r.faults) {
    const what = `${f.id.padEnd(4)} ${at(f.injectedAtMs).padStart(7)} ${f.kind} ${f.nodes.join(', ')}`;
    const errs = f.canaryErrors ? `${f.canaryErrors} canary errors, first after ${dur(f.firstErrorAfterMs)}` : 'no canary errors';
    const clear = clearText(f);
    lines.push(`  ${f.missed ? 'MISSED' : 'ok    '} ${what}: ${errs}; ${outcomeText(f)}${clear ? `; ${clear}` : ''}`);
  }
  if (r.unexplained.length) {
    lines.push('  alarms with no fault behind them:');
    for (const c of r.unexplained) lines.push(`    ${at(c.time)} ${c.alarm}: ${c.reason}`);
  } else lines.push('  no alarm fired without a fault behind it');
  if (r.stillInAlarmAtEnd.length) lines.push(`  still in ALARM at the end: ${r.stillInAlarmAtEnd.join(', ')}`);
  lines.push(`verdict: ${r.verdict}${r.problems.length ? ` (${r.problems.join('; ')})` : ''}`);
  return lines.join('\n') + '\n';
}

export function review(rf: RunFolder, o: { graceMs?: number | undefined; minErrors?: number | undefined; replay?: boolean } = {}): AlarmReview {
  const spec = alarmSpec(rf);
  if (!spec) throw new UsageError('experiment.json has no alarm rules', 'give a run folder written by `gameday run`', rf.dir);
  return reviewFolder(rf, o.replay ? replayAlarms(rf.history, spec) : rf.alarms, o);
}

async function handler(a: ArgumentsCamelCase<ReviewArgs>): Promise<void> {
  if (a.grace !== undefined && !(a.grace >= 0)) throw new UsageError(`--grace must be a number of seconds >= 0, not ${a.grace}`, 'e.g. --grace 5', '--grace');
  if (a.minErrors !== undefined && !(Number.isInteger(a.minErrors) && a.minErrors >= 1)) throw new UsageError(`--min-errors must be a whole number >= 1, not ${a.minErrors}`, 'e.g. --min-errors 1', '--min-errors');
  let rf: RunFolder;
  try {
    rf = loadRunFolder(a.runDir, ['experiment']);
  } catch (err) {
    usageFrom(err);
  }
  const r = review(rf, { graceMs: a.grace === undefined ? undefined : a.grace * 1000, minErrors: a.minErrors, replay: a.replay });
  const how = a.replay ? `replayed from the history through the experiment's rules (alarms.ndjson recorded ${rf.alarms.length})` : 'as recorded live (alarms.ndjson)';
  if (a.json) process.stdout.write(JSON.stringify({ runDir: a.runDir, verdict: r.verdict, replayed: a.replay, problems: r.problems, faults: r.faults, unexplained: r.unexplained, stillInAlarmAtEnd: r.stillInAlarmAtEnd, graceMs: r.graceMs, changes: r.changes, recordedChanges: rf.alarms.length }, null, 2) + '\n');
  else process.stdout.write(formatReview(r, how));
  process.exitCode = r.verdict === 'pass' ? EXIT.ok : EXIT.failed;
}

export const command: CommandModule<object, ReviewArgs> = {
  command: 'review <run-dir>',
  describe: 'on-call alarm review of a run folder: did each fault raise an alarm, how fast, did it clear; alarms with no fault behind them (exit 0 ok, 1 missed or unexplained alarm, 2 bad input)',
  builder: (y: Argv) =>
    y
      .positional('run-dir', { type: 'string', demandOption: true, describe: 'run folder written by `gameday run`' })
      .option('json', { type: 'boolean', default: false, describe: 'print the review as JSON' })
      .option('grace', { type: 'number', requiresArg: true, describe: 'seconds after a heal within which an alarm is put down to that fault (default: alarm window + canary timeout)' })
      .option('min-errors', { type: 'number', requiresArg: true, describe: 'a fault whose errors reach the alarm\'s error rate must raise an alarm when a scope saw at least this many (default 5)' })
      .option('replay', { type: 'boolean', default: false, describe: 'replay history.ndjson through the experiment\'s alarm rules instead of the alarms recorded live' }) as unknown as Argv<ReviewArgs>,
  handler,
};
