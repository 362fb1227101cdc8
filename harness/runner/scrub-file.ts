// scrub.json in a run folder: the final scrub's replica digests and the target that
// gave them, written by `gameday run` after the scrub; `gameday check <run-folder>`
// reads it back to run check wal-reference offline (targets/reference/reference-replica.ts).

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReplicaDigest } from '../../targets/target.ts';

export const SCRUB_FILE = 'scrub.json';

export interface ScrubFile {
  /** The target's name (a built-in one can be made again offline). */
  readonly target: string;
  /** The run's provider: only local and docker keep the nodes' data in the run folder (nodes/<id>/data/). */
  readonly provider?: string;
  readonly digests: readonly ReplicaDigest[];
}

/** The run folder's scrub.json, undefined when it has none; throws on a damaged one. */
export function readScrubFile(runDir: string): ScrubFile | undefined {
  const path = join(runDir, SCRUB_FILE);
  if (!existsSync(path)) return undefined;
  const s = JSON.parse(readFileSync(path, 'utf8')) as Partial<ScrubFile>;
  if (typeof s.target !== 'string' || !Array.isArray(s.digests)) throw new Error(`${path}: not a scrub file (wants {target, digests})`);
  return { target: s.target, ...(typeof s.provider === 'string' ? { provider: s.provider } : {}), digests: s.digests };
}

/** Providers whose nodes keep their data in the run folder (local: a folder; docker: a bind mount of it), what check wal-reference reads. */
export const ARCHIVING_PROVIDERS: readonly string[] = ['local', 'docker'];
