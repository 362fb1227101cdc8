#!/usr/bin/env node
// Entry point for a global install (`gameday` on PATH): load TypeScript through tsx.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('./main.ts');
const { hideBin } = await import('yargs/helpers');
process.exitCode = await main(hideBin(process.argv));
