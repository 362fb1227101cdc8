import type { CommandModule } from 'yargs';
import { alive, healRun, listActive } from '../../runner/registry.ts';

interface Args {
  json: boolean | undefined;
}

export const command: CommandModule<object, Args> = {
  command: 'heal',
  describe:
    "undo what a crashed or killed harness left behind: node processes, faults in force, containers, networks and rules of its runs (only those carrying the run's id)",
  builder: (y) => y.option('json', { type: 'boolean', describe: 'print the heal report as JSON' }),
  handler: async (a) => {
    const runs = listActive();
    const reports = [];
    for (const r of runs) {
      if (r.pid !== process.pid && alive(r.pid)) {
        process.stderr.write(`run ${r.runId} is still in progress (harness pid ${r.pid}): left alone\n`);
        continue;
      }
      reports.push(await healRun(r));
    }
    if (a.json) {
      process.stdout.write(JSON.stringify(reports, null, 2) + '\n');
      return;
    }
    if (reports.length === 0) process.stdout.write('nothing to heal: no run was left behind by a crashed harness\n');
    for (const h of reports) {
      process.stdout.write(
        `healed ${h.runId}: killed ${h.killed.length} node processes${h.killed.length ? ` (${h.killed.join(', ')})` : ''}; faults closed: ${h.faultsHealed.join(', ') || 'none'}${h.provider.length ? `; provider: ${h.provider.join('; ')}` : ''}\n`,
      );
    }
  },
};
