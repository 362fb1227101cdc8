// Where a node program's module is and how Node runs it. A target names its program
// as a path relative to the package root, written as its source (`.ts`): in a clone
// the source runs through tsx; in the installed package (compiled to dist/) the
// compiled `.js` beside it runs with plain Node. A program of the user's own in
// TypeScript (an absolute `.ts` path with no compiled twin) still runs through tsx.

import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: the clone's root from the sources, dist/ from the compiled package. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** True when this code runs compiled (the installed package), false from the sources. */
export const COMPILED = import.meta.url.endsWith('.js');

const TS = /\.(c|m)?ts$/;

/** The absolute path of the module that runs `entry`: its compiled `.js` where this runs compiled and one exists. */
export function programModule(entry: string, root = PACKAGE_ROOT, compiled = COMPILED): string {
  const abs = isAbsolute(entry) ? entry : resolve(root, entry);
  if (compiled && TS.test(abs)) {
    const js = abs.replace(TS, (_m, c: string | undefined) => `.${c ?? ''}js`);
    if (existsSync(js)) return js;
  }
  return abs;
}

/** Node's arguments before the program's own: the module, preceded by tsx's loader when it is TypeScript. */
export function programArgs(entry: string, root = PACKAGE_ROOT, compiled = COMPILED): string[] {
  const module = programModule(entry, root, compiled);
  return TS.test(module) ? ['--import', tsxLoader(), module] : [module];
}

/** tsx's loader, resolved from this package (not from the node's working folder). */
function tsxLoader(): string {
  try {
    return import.meta.resolve('tsx');
  } catch {
    throw new Error('a node program in TypeScript needs tsx: install it (npm install tsx) or give the target a compiled .js entry');
  }
}
