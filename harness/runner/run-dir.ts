// The run folder: checked before anything starts (it must be a new or empty folder
// that this process can write), created only when the run starts. Nothing is left
// behind by the check: it probes with a temporary folder that it removes.
//
// Folders are made one level at a time: Node's recursive mkdir loops forever on some
// paths that can never be made (e.g. under /proc), and a run must fail, not spin.

import { mkdirSync, mkdtempSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../cli/errors.ts';

const exists = (p: string): ReturnType<typeof statSync> | undefined => {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
};

/** Throws a UsageError (naming `flag`) unless `dir` is a folder a run can be written to. */
export function checkRunDir(dir: string, flag: string): void {
  const abs = resolve(dir);
  const fix = `choose another ${flag} folder: a new or empty folder you can write`;
  const st = exists(abs);
  if (st && !st.isDirectory()) throw new UsageError(`${abs} is a file, not a folder`, fix, flag);
  if (st && readdirSync(abs).length > 0)
    throw new UsageError(`run folder ${abs} exists and is not empty`, `choose another ${flag} folder (runs are never overwritten)`, flag);
  let parent = abs;
  while (!exists(parent)) {
    const up = dirname(parent);
    if (up === parent) break;
    parent = up;
  }
  const pst = exists(parent);
  if (!pst?.isDirectory()) throw new UsageError(`cannot make ${abs}: ${parent} is a file, not a folder`, fix, flag);
  try {
    rmdirSync(mkdtempSync(join(parent, '.gameday-probe-')));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new UsageError(`cannot write under ${parent} (${code}), so the run folder ${abs} cannot be made`, fix, flag);
  }
}

/** Makes `dir` and its missing parents, one level at a time (see above). */
export function makeRunDir(dir: string): void {
  const abs = resolve(dir);
  const missing: string[] = [];
  for (let p = abs; !exists(p); p = dirname(p)) {
    missing.unshift(p);
    if (dirname(p) === p) break;
  }
  for (const p of missing) mkdirSync(p);
}
