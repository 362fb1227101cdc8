import type { CommandModule } from 'yargs';

export interface RunArgs {
  experiment: string;
  seed: string | undefined;
  duration: string | undefined;
  out: string | undefined;
  provider: string | undefined;
  bug: string[] | undefined;
  json: boolean | undefined;
  quiet: boolean | undefined;
  'plan-only': boolean | undefined;
  toxiproxy: string | undefined;
  'node-image': string | undefined;
  metrics: string | undefined;
}

export const command: CommandModule<object, RunArgs> = {
  command: 'run <experiment>',
  describe: 'run a game day from an experiment file (exit 0 pass, 1 a check failed, 2 bad input, 3 unknown, 130 interrupted)',
  builder: (y) =>
    y
      .positional('experiment', { type: 'string', demandOption: true, describe: 'experiment file, e.g. experiments/power-off.yaml' })
      .option('seed', { type: 'string', requiresArg: true, describe: "seed for every random choice (default: the file's, else random; always printed)" })
      .option('duration', { type: 'string', requiresArg: true, describe: 'total of baseline + chaos + recovery, e.g. 30s (phases keep their proportions)' })
      .option('out', { type: 'string', requiresArg: true, describe: 'run folder (default runs/<time>-<name>-s<seed>)' })
      .option('provider', { type: 'string', requiresArg: true, describe: 'where nodes run: local (default) or docker' })
      .option('bug', {
        type: 'string',
        array: true,
        requiresArg: true,
        describe: 'start the reference cluster in a documented UNSAFE mode: skip-fsync, ack-before-quorum, stale-reads, no-lease, vote-twice, forget-term',
      })
      .option('json', { type: 'boolean', describe: 'print result.json to stdout instead of the summary' })
      .option('quiet', { type: 'boolean', describe: 'no progress lines on stderr' })
      .option('toxiproxy', {
        type: 'string',
        requiresArg: true,
        describe: 'network faults through this Toxiproxy server (loopback), e.g. http://127.0.0.1:8474 (default: an embedded one)',
      })
      .option('node-image', {
        type: 'string',
        requiresArg: true,
        describe: 'docker: run the nodes from this image, e.g. one built from targets/reference/Dockerfile (default: built from the local Node binary)',
      })
      .option('metrics', {
        type: 'string',
        requiresArg: true,
        describe: "serve the run's metrics for Prometheus at http://HOST:PORT/metrics (loopback only), e.g. 127.0.0.1:9464",
      })
      .option('plan-only', { type: 'boolean', describe: 'print the fault plan for this seed and exit (nothing is started)' }),
  handler: async (a) => {
    const { runCommand } = await import('./impl/run.ts'); // the runner loads only when a game day runs
    await runCommand(a);
  },
};
