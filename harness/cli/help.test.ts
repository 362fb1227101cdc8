import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { CommandModule } from 'yargs';
import { COMMANDS, topLevelHelp } from './command-list.ts';

const dir = fileURLToPath(new URL('./commands/', import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));

test("the list behind `gameday --help` is the command modules' own usage and description, every one of them", async () => {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.includes('.test.'))
    .sort();
  const own = await Promise.all(
    files.map(async (f) => ((await import(new URL(`./commands/${f}`, import.meta.url).href)) as { command: CommandModule }).command),
  );
  assert.deepEqual(
    COMMANDS.map(([usage, describe]) => ({ usage, describe })),
    own.map((c) => ({ usage: c.command, describe: c.describe })),
  );
});

test('gameday --help lists every command with its description, wrapped to the width', () => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'harness/cli/main.ts', '--help'], { cwd: root, encoding: 'utf8' });
  assert.equal(out, topLevelHelp(100));
  for (const [usage] of COMMANDS) assert.match(out, new RegExp(`^  gameday ${usage.replace(/[.[\]]/g, '\\$&')} +\\S`, 'm'));
  assert.ok(
    out.split('\n').every((l) => l.length <= 100),
    out,
  );
  assert.match(out, /^ {2}gameday run <experiment> +run a game day from an experiment file/m);
  // a narrow terminal: descriptions wrap under their column
  const narrow = topLevelHelp(60).split('\n');
  assert.ok(
    narrow.every((l) => l.length <= 60),
    narrow.join('\n'),
  );
  const at = narrow.findIndex((l) => l.startsWith('  gameday heal'));
  assert.match(narrow[at + 1] ?? '', /^ {36}\S/); // under the column after the longest usage, gameday schedule <experiments..>
});

test("a command's own --help still comes from yargs with its options", () => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'harness/cli/main.ts', 'check', '--help'], { cwd: root, encoding: 'utf8' });
  assert.match(out, /gameday check <path>/);
  assert.match(out, /--max-memory/);
});
