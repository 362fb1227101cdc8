// gameday command line. Each subcommand is one module in ./commands exporting
// `command` (a yargs CommandModule); they are loaded from that folder so that
// subcommands can be added without touching this file.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CommandModule } from 'yargs';
import { topLevelHelp } from './command-list.ts';
import { EXIT, UsageError } from './errors.ts';

const dir = fileURLToPath(new URL('./commands/', import.meta.url));

/**
 * The command modules: only the one named first on the command line when there is
 * one by that name (each file is named after its command), so that `gameday check`
 * does not load what `gameday run` needs; all of them otherwise (`--help`, a typo).
 */
async function loadCommands(argv: readonly string[]): Promise<CommandModule[]> {
  // `.ts` from the sources, `.js` from the compiled package (never its `.d.ts` or tests)
  const ext = import.meta.url.endsWith('.js') ? '.js' : '.ts';
  const all = readdirSync(dir)
    .filter((f) => f.endsWith(ext) && !f.endsWith('.d.ts') && !f.includes('.test.'))
    .sort();
  const named = `${argv[0] ?? ''}${ext}`;
  const files = all.includes(named) ? [named] : all;
  const mods = await Promise.all(files.map((f) => import(new URL(`./commands/${f}`, import.meta.url).href)));
  return mods.map((m: { command: CommandModule }) => m.command);
}

/** A GAMEDAY_PROXY_IO that names no I/O or one that cannot work here is bad input: said before anything starts. */
async function checkProxyIo(): Promise<UsageError | undefined> {
  if (!process.env['GAMEDAY_PROXY_IO']) return undefined;
  const { IoChoiceError, openTcp } = await import('../toxiproxy/tcp.ts'); // only then: a command that moves no bytes does not load the proxy
  try {
    await openTcp();
    return undefined;
  } catch (e) {
    if (!(e instanceof IoChoiceError)) throw e;
    return new UsageError(e.message, 'set GAMEDAY_PROXY_IO to native, raw or node, or unset it for the fastest that works here');
  }
}

/** yargs's own messages, with the option they are about and a fix that fits it. */
function usageFromYargs(msg: string): UsageError {
  const missing = /^Not enough arguments following: ([\w-]+)/.exec(msg);
  if (missing) return new UsageError('needs a value', `write --${missing[1]} <value> (see \`gameday <command> --help\`)`, `--${missing[1]}`);
  return new UsageError(msg, 'run `gameday --help` for the commands and options');
}

export async function main(argv: string[]): Promise<number> {
  const ioProblem = await checkProxyIo();
  if (ioProblem) {
    process.stderr.write(ioProblem.format() + '\n');
    return EXIT.usage;
  }
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) {
    // the top-level help from the list of commands: no command module and no yargs loaded
    process.stdout.write(topLevelHelp(process.stdout.columns || 100));
    return EXIT.ok;
  }
  const [{ default: yargs }, commands] = await Promise.all([import('yargs'), loadCommands(argv)]);
  let code: number = EXIT.ok;
  const cli = yargs(argv)
    .scriptName('gameday')
    .usage('$0 <command> [options]')
    .strict()
    .demandCommand(1, 'name a command (see --help)')
    .recommendCommands()
    .help()
    .version(false)
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((msg, err) => {
      if (err && !(err instanceof UsageError) && err.name !== 'YError') throw err;
      const e = err instanceof UsageError ? err : usageFromYargs(msg ?? err?.message ?? 'bad usage');
      process.stderr.write(e.format() + '\n');
      code = EXIT.usage;
      throw e;
    })
    .middleware((args) => {
      // commands set process.exitCode; keep the larger of ours and theirs
      void args;
    });
  for (const c of commands) cli.command(c);
  try {
    await cli.parseAsync();
  } catch (err) {
    if (err instanceof UsageError) {
      if (code !== EXIT.usage) process.stderr.write(err.format() + '\n');
      return EXIT.usage;
    }
    process.stderr.write(`error: ${(err as Error).stack ?? String(err)}\n`);
    return EXIT.failed;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : code;
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('harness/cli/main.ts')) {
  main(process.argv.slice(2)).then((c) => {
    process.exitCode = c;
  });
}
