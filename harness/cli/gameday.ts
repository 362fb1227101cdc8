#!/usr/bin/env node
// The installed `gameday` command (package.json `bin`, compiled to
// dist/harness/cli/gameday.js): the CLI as JavaScript, no TypeScript at run time.
// From a clone, `npm run gameday --` runs the sources instead.
import { hideBin } from 'yargs/helpers';
import { main } from './main.ts';

process.exitCode = await main(hideBin(process.argv));
