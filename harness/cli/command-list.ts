// The commands as `gameday --help` lists them, without loading any of them: the top
// level help is printed from this list, so that it costs Node's start-up and no more
// (yargs and the command modules are loaded only for a command). A test holds the list
// to the command modules' own `command` and `describe` (harness/cli/help.test.ts).

/** [usage, description] per command module in ./commands, sorted by name. */
export const COMMANDS: readonly (readonly [string, string])[] = [
  ['alarms <command>', "the experiment's alarm rules outside gameday (alarms export: Prometheus alerting rules)"],
  [
    'check <path>',
    "check a run folder or history file: lost writes, linearizability, a reference-cluster run folder's replicas against its archived WALs (exit 0 valid, 1 violation, 3 unknown, 2 bad input)",
  ],
  ['doctor', 'say what this machine offers and which providers, faults and built-in targets can run here'],
  [
    'heal',
    "undo what a crashed or killed harness left behind: node processes, faults in force, containers, networks and rules of its runs (only those carrying the run's id)",
  ],
  ['history', 'the game days of a runs folder and how they trend (from its index.ndjson, added to by every run)'],
  [
    'image <executable>',
    'make a local Docker image of a host executable and the libraries it links (no registry needed), e.g. gameday image etcd --tag gameday-example/etcd',
  ],
  [
    'report [run-dir]',
    'write report.html for a run folder from its files alone (or, with --index, one page over every run of a runs folder) and print its path (exit 0, 2 bad input)',
  ],
  [
    'review <run-dir..>',
    'on-call alarm review of a run folder: did each fault raise an alarm, how fast, did it clear; alarms with no fault behind them (exit 0 ok, 1 missed or unexplained alarm, 2 bad input)',
  ],
  ['run <experiment>', 'run a game day from an experiment file (exit 0 pass, 1 a check failed, 2 bad input, 3 unknown, 130 interrupted)'],
  ['schedule <experiments..>', 'run game days on a cron schedule, one at a time, each with a fresh seed, in the foreground (SIGTERM stops it cleanly)'],
  [
    'targets [experiment]',
    'the built-in targets, what each promises and needs; with an experiment file, the target it names as gameday sees it (exit 2 on a problem)',
  ],
  ['toxiproxy', 'run the embedded Toxiproxy-compatible fault proxy until Ctrl-C'],
  ['version', 'print the gameday version'],
];

/** Words of `text` in lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const w of text.split(' ')) {
    if (line && line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines;
}

/** The top-level help, laid out as yargs lays out its own (usage, commands in two columns, options). */
export function topLevelHelp(columns: number): string {
  const width = Math.min(100, columns);
  const left = COMMANDS.map(([usage]) => `  gameday ${usage}`);
  const col = Math.max(...left.map((l) => l.length)) + 2;
  const rows = COMMANDS.flatMap(([, describe], i) => {
    const [first = '', ...rest] = wrap(describe, Math.max(20, width - col));
    return [`${(left[i] ?? '').padEnd(col)}${first}`, ...rest.map((r) => `${' '.repeat(col)}${r}`)];
  });
  return [
    'gameday <command> [options]',
    '',
    'Commands:',
    ...rows,
    '',
    'Options:',
    '  --help  Show help',
    '',
    "A command's options: gameday <command> --help",
    '',
  ].join('\n');
}
