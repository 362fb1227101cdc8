// gameday review <run-dir>: on-call alarm review from the run folder alone: per fault,
// whether a customer-facing alarm fired, how fast, and whether it cleared after the
// heal; and which alarms fired with no fault behind them. The alarms are the ones
// recorded live (alarms.ndjson), put down to faults by the same rule as the run's
// summary and check "alarms" (harness/alarms/review.ts), so the two always agree;
// --replay re-derives them from history.ndjson through the experiment's alarm rules.
// Exit 0: every fault with customer impact raised an alarm and no alarm is
// unexplained; 1 otherwise; 2 bad input.
// `gameday review <run-dir>... --alarms a.yaml [--alarms b.yaml]` replays rule sets
// over one or many runs instead (harness/alarms/replay.ts): per rule pages, pages
// with no fault behind them, precision and recall; per fault time to detect.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { parse } from 'yaml';
import { replayRules } from '../../alarms/alarm-set.ts';
import { type Replay, replayRuleSets, type RuleSet } from '../../alarms/replay.ts';
import { outcomeText, type AlarmReview, type FaultReview } from '../../alarms/review.ts';
import { describeRule } from '../../alarms/rules.ts';
import { reviewFolder } from '../../alarms/review-folder.ts';
import { at, dur } from '../../experiment/duration.ts';
import { alarmRules, loadRunFolder, type RunFolder } from '../../runner/run-folder.ts';
import { EXIT, UsageError } from '../errors.ts';
import { usageFrom } from './report.ts';

interface ReviewArgs {
  runDir: string[];
  alarms: string[] | undefined;
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
  const rules = alarmRules(rf);
  if (!rules) throw new UsageError('experiment.json has no alarm rules', 'give a run folder written by `gameday run`', rf.dir);
  return reviewFolder(rf, o.replay ? replayRules(rf.history, rules) : rf.alarms, o);
}

async function handler(a: ArgumentsCamelCase<ReviewArgs>): Promise<void> {
  if (a.grace !== undefined && !(a.grace >= 0)) throw new UsageError(`--grace must be a number of seconds >= 0, not ${a.grace}`, 'e.g. --grace 5', '--grace');
  if (a.minErrors !== undefined && !(Number.isInteger(a.minErrors) && a.minErrors >= 1))
    throw new UsageError(`--min-errors must be a whole number >= 1, not ${a.minErrors}`, 'e.g. --min-errors 1', '--min-errors');
  const dirs = a.runDir;
  const load = (d: string): RunFolder => {
    try {
      return loadRunFolder(d, ['experiment']);
    } catch (err) {
      usageFrom(err);
    }
  };
  if (a.alarms !== undefined && a.alarms.length > 0) {
    const sets = await Promise.all(a.alarms.map(loadRuleSet));
    const folders = dirs.map(load);
    const rp = replayRuleSets(
      folders.map((f) => ({
        name: f.dir,
        history: f.history,
        faults: f.faults,
        ownRules: alarmRules(f) ?? [],
        canaryTimeoutMs: f.experiment?.experiment?.canaries.timeoutMs ?? 2500,
      })),
      sets,
      a.minErrors !== undefined ? { minErrors: a.minErrors } : {},
    );
    if (a.json) process.stdout.write(JSON.stringify({ ...rp, ruleSets: sets.map((x) => ({ name: x.name, rules: x.rules })) }, null, 2) + '\n');
    else process.stdout.write(formatReplay(rp, sets));
    process.exitCode = EXIT.ok;
    return;
  }
  if (dirs.length > 1) {
    let worst: number = EXIT.ok;
    for (const d of dirs) {
      const r = review(load(d), { graceMs: a.grace === undefined ? undefined : a.grace * 1000, minErrors: a.minErrors, replay: a.replay });
      if (!a.json)
        process.stdout.write(
          `${d}\n${formatReview(r, a.replay ? "replayed from the history through the experiment's rules" : 'as recorded live (alarms.ndjson)')}`,
        );
      else process.stdout.write(JSON.stringify({ runDir: d, verdict: r.verdict, problems: r.problems, faults: r.faults, unexplained: r.unexplained }) + '\n');
      if (r.verdict !== 'pass') worst = EXIT.failed;
    }
    process.exitCode = worst;
    return;
  }
  const rf = load(dirs[0] as string);
  const r = review(rf, { graceMs: a.grace === undefined ? undefined : a.grace * 1000, minErrors: a.minErrors, replay: a.replay });
  const how = a.replay
    ? `replayed from the history through the experiment's rules (alarms.ndjson recorded ${rf.alarms.length})`
    : 'as recorded live (alarms.ndjson)';
  if (a.json)
    process.stdout.write(
      JSON.stringify(
        {
          runDir: dirs[0],
          verdict: r.verdict,
          replayed: a.replay,
          problems: r.problems,
          faults: r.faults,
          unexplained: r.unexplained,
          stillInAlarmAtEnd: r.stillInAlarmAtEnd,
          graceMs: r.graceMs,
          changes: r.changes,
          recordedChanges: rf.alarms.length,
        },
        null,
        2,
      ) + '\n',
    );
  else process.stdout.write(formatReview(r, how));
  process.exitCode = r.verdict === 'pass' ? EXIT.ok : EXIT.failed;
}

/** A rules file (`rules: [...]`, or a bare list): problems are exit 2 with the field and the fix. */
export async function loadRuleSet(file: string): Promise<RuleSet> {
  const { parseRulesFile } = await import('../../experiment/alarm-rules.ts'); // zod: loaded only when a rules file is read
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8'), { prettyErrors: true, uniqueKeys: true });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code !== undefined)
      throw new UsageError(`cannot read rules file: ${e.code}`, 'give a YAML file holding rules: [...] (README "Alarms and on-call review")', file);
    throw new UsageError(`not valid YAML: ${e.message.split('\n')[0]}`, 'fix the YAML syntax at the line it names', file);
  }
  const { rules, problems } = parseRulesFile(doc);
  if (!rules) {
    const first = problems[0];
    throw new UsageError(
      `${problems.length} problem${problems.length === 1 ? '' : 's'} in the rules file:\n  ${problems.map((p) => `${file}: ${p.path || '(top)'}: ${p.message}\n    fix: ${p.fix}`).join('\n  ')}`,
      first ? first.fix : 'fix the fields named above',
    );
  }
  return { name: basename(file), rules };
}

const pctOr = (x: number | null): string => (x === null ? '-' : `${(x * 100).toFixed(1)}%`);

/** Rule sets side by side: one table of rules, one of faults. */
export function formatReplay(rp: Replay, sets: readonly RuleSet[]): string {
  const lines = [
    `alarm replay: ${rp.sets.length} rule set${rp.sets.length === 1 ? '' : 's'} over ${rp.runs.length} run${rp.runs.length === 1 ? '' : 's'} (${rp.faults} faults, ${rp.faultsWithImpact} with customer impact; ${rp.operations} history lines in ${rp.elapsedMs} ms)`,
  ];
  for (const s of sets) for (const r of s.rules) lines.push(`  ${s.name}: ${describeRule(r)}`);
  const w = Math.max(9, ...rp.sets.map((s) => s.name.length));
  const rw = Math.max(12, ...rp.sets.flatMap((s) => s.rules.map((r) => r.rule.length)));
  lines.push(`  ${'rule set'.padEnd(w)}  ${'rule'.padEnd(rw)}  pages  no fault  precision  recall  detect p50`);
  for (const s of rp.sets) {
    for (const r of [...s.rules, s.total]) {
      lines.push(
        `  ${s.name.padEnd(w)}  ${r.rule.padEnd(rw)}  ${String(r.pages).padStart(5)}  ${String(r.pagesWithoutFault).padStart(8)}  ${pctOr(r.precision).padStart(9)}  ${pctOr(r.recall).padStart(6)}  ${(r.medianDetectMs === null ? '-' : dur(r.medianDetectMs)).padStart(10)}`,
      );
    }
  }
  lines.push('  faults (time to detect per rule set):');
  const first = rp.sets[0];
  for (const [i, f] of (first?.faults ?? []).entries()) {
    const cells = rp.sets.map((s) => {
      const x = s.faults[i];
      if (!x) return '-';
      const c = x.detected
        ? x.detectMs === null
          ? `detected (${x.outcome})`
          : `${dur(x.detectMs)} ${x.alarm ?? ''}`
        : x.impact
          ? 'MISSED'
          : `no alarm (${x.outcome})`;
      return `${s.name}: ${c}`;
    });
    lines.push(`    ${f.run} ${f.id} ${f.kind} ${f.nodes.join(', ')}${f.impact ? '' : ' (no customer impact)'}  ${cells.join('  |  ')}`);
  }
  return lines.join('\n') + '\n';
}

export const command: CommandModule<object, ReviewArgs> = {
  command: 'review <run-dir..>',
  describe:
    'on-call alarm review of a run folder: did each fault raise an alarm, how fast, did it clear; alarms with no fault behind them (exit 0 ok, 1 missed or unexplained alarm, 2 bad input)',
  builder: (y: Argv) =>
    y
      .positional('run-dir', { type: 'string', array: true, demandOption: true, describe: 'run folder(s) written by `gameday run`' })
      .option('alarms', {
        type: 'string',
        array: true,
        requiresArg: true,
        describe: 'replay the rules of this YAML file (rules: [...]) over the runs; twice to compare two rule sets side by side',
      })
      .option('json', { type: 'boolean', default: false, describe: 'print the review as JSON' })
      .option('grace', {
        type: 'number',
        requiresArg: true,
        describe: 'seconds after a heal within which an alarm is put down to that fault (default: alarm window + canary timeout)',
      })
      .option('min-errors', {
        type: 'number',
        requiresArg: true,
        describe: "a fault whose errors reach the alarm's error rate must raise an alarm when a scope saw at least this many (default 5)",
      })
      .option('replay', {
        type: 'boolean',
        default: false,
        describe: "replay history.ndjson through the experiment's alarm rules instead of the alarms recorded live",
      }) as unknown as Argv<ReviewArgs>,
  handler,
};
