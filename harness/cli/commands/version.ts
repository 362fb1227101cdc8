import { readFileSync } from 'node:fs';
import type { CommandModule } from 'yargs';

export const command: CommandModule = {
  command: 'version',
  describe: 'print the gameday version',
  handler: () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`gameday ${pkg.version}\n`);
  },
};
