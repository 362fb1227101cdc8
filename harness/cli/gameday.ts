#!/usr/bin/env node
// The installed `gameday` command (package.json `bin`, compiled to
// dist/harness/cli/gameday.js): the CLI as JavaScript, no TypeScript at run time.
// From a clone, `npm run gameday --` runs the sources instead.
import { main } from './main.ts';

const argv = process.argv.slice(2);
if (argv[0] === 'run') {
  // a target module of the user's own may be TypeScript (README "Testing your own
  // system"): tsx's loader for `run` only, so that the other commands start at once
  const { register } = await import('tsx/esm/api');
  register();
}
process.exitCode = await main(argv);
