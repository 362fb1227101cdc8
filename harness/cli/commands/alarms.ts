// gameday alarms export <experiment> [--out rules.yml]: the experiment's alarm rules as
// Prometheus alerting rules over the metrics of `gameday run --metrics`, to deploy as
// they are (README "Prometheus"). Exit 0, or 2 on bad input (nothing written).
import { writeFileSync } from 'node:fs';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { parseDuration } from '../../experiment/duration.ts';
import { EXIT, UsageError } from '../errors.ts';

interface ExportArgs {
  experiment: string;
  out: string | undefined;
  for: string | undefined;
  severity: string | undefined;
}

async function exportHandler(a: ArgumentsCamelCase<ExportArgs>): Promise<void> {
  // loaded here: `gameday --help` loads every command module, and these bring zod and prom-client
  const [{ exportPrometheusRules, rulesLeftOut }, { loadExperiment }] = await Promise.all([
    import('../../alarms/export-prometheus.ts'),
    import('../../experiment/load.ts'),
  ]);
  for (const name of ['out', 'for', 'severity'] as const) {
    if (Array.isArray(a[name])) throw new UsageError(`given ${(a[name] as unknown[]).length} times`, `give --${name} once`, `--${name}`);
  }
  let forMs = 0;
  if (a.for !== undefined) {
    const ms = parseDuration(a.for);
    if (ms === undefined || ms < 0) throw new UsageError(`${a.for} is not a duration`, 'write it like 0s, 30s or 2m', '--for');
    forMs = ms;
  }
  if (a.severity !== undefined && !/^[A-Za-z0-9_.-]+$/.test(a.severity))
    throw new UsageError(`"${a.severity}" is not a plain label value`, 'use letters, digits, _ . or -, e.g. --severity page', '--severity');
  const exp = loadExperiment(a.experiment);
  const text = exportPrometheusRules(exp, a.experiment, { forMs, ...(a.severity !== undefined ? { severity: a.severity } : {}) });
  const left = rulesLeftOut(exp);
  if (left.length > 0) process.stderr.write(`left out, no Prometheus form for their kind yet: ${left.map((r) => `${r.name} (${r.kind})`).join(', ')}\n`);
  if (a.out === undefined) process.stdout.write(text);
  else {
    try {
      writeFileSync(a.out, text);
    } catch (err) {
      throw new UsageError(
        `cannot write the rules file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        'give a path in a folder that exists and that you may write to',
        a.out,
      );
    }
    process.stderr.write(`wrote ${a.out} (check it with: promtool check rules ${a.out})\n`);
  }
  process.exitCode = EXIT.ok;
}

const exportCommand: CommandModule<object, ExportArgs> = {
  command: 'export <experiment>',
  describe: "write the experiment's alarm rules as Prometheus alerting rules (stdout, or --out FILE)",
  builder: (y: Argv) =>
    y
      .positional('experiment', { type: 'string', demandOption: true, describe: 'experiment file, e.g. experiments/power-off.yaml' })
      .option('out', { type: 'string', requiresArg: true, describe: 'write the rules to this file (default: stdout)' })
      .option('for', {
        type: 'string',
        requiresArg: true,
        describe: 'how long a condition must hold before an alert fires, e.g. 1m (default 0s: at once, as in the game day)',
      })
      .option('severity', { type: 'string', requiresArg: true, describe: 'the severity label of every alert (default page)' }) as unknown as Argv<ExportArgs>,
  handler: exportHandler,
};

export const command: CommandModule = {
  command: 'alarms <command>',
  describe: "the experiment's alarm rules outside gameday (alarms export: Prometheus alerting rules)",
  builder: (y: Argv) => y.command(exportCommand as unknown as CommandModule).demandCommand(1, 'give a subcommand: gameday alarms export <experiment>'),
  handler: () => {},
};
