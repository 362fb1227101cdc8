// `<runDir>/docker-state.json`: what the docker provider made for a run and which
// links it cut, rewritten (atomically) on every change, so that `gameday heal` can
// undo it after the harness died. Cleanup itself selects by the run's label; the
// journal says which run a folder belongs to and what was in effect.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const JOURNAL_FILE = 'docker-state.json';

export interface JournalParty {
  readonly party: string;
  readonly kind: 'node' | 'gateway';
  readonly az: string;
  readonly container: string;
  readonly ip: string;
}

/** The run's fault-proxy container (runs with link faults): every link crosses it. */
export interface JournalFaultProxy {
  readonly container: string;
  readonly ip: string;
  /** Its Toxiproxy API, e.g. http://172.18.0.30:8474 */
  readonly api: string;
}

export interface JournalAttached {
  readonly party: string;
  readonly container: string;
  /** The container's id when attached: heal acts on that very container or on none. */
  readonly id: string;
  readonly power: 'on' | 'off' | 'paused';
}

export interface DirectedLink {
  readonly from: string;
  readonly to: string;
}

export interface DockerJournal {
  readonly version: 1;
  readonly provider: 'docker';
  readonly runId: string;
  readonly network: string;
  readonly subnet: string;
  readonly chain: string;
  readonly parties: readonly JournalParty[];
  /** Written before the container is created; absent for runs without link faults. */
  readonly faultProxy?: JournalFaultProxy;
  /**
   * Attach runs: the containers gameday did not create but was told to fault, and what
   * it has done to each (written before it is done). `gameday heal` starts again those
   * it powered off, thaws those it paused, and removes its chain from each; it never
   * removes them. Absent for runs whose containers are all gameday's own.
   */
  readonly attached?: readonly JournalAttached[];
  /** false when the network is the user's (attach): it is never removed. */
  readonly ownsNetwork?: boolean;
  /** Directed links whose packets are dropped right now (at the `to` side). */
  readonly cuts: readonly DirectedLink[];
  readonly state: 'starting' | 'running' | 'stopped';
  readonly updatedAt: string;
}

export const journalPath = (runDir: string): string => join(runDir, JOURNAL_FILE);

export function writeJournal(runDir: string, j: Omit<DockerJournal, 'version' | 'provider' | 'updatedAt'>): void {
  mkdirSync(runDir, { recursive: true });
  const file = journalPath(runDir);
  const body: DockerJournal = { version: 1, provider: 'docker', ...j, updatedAt: new Date().toISOString() };
  writeFileSync(`${file}.tmp`, JSON.stringify(body, null, 2) + '\n');
  renameSync(`${file}.tmp`, file);
}

export function readJournal(runDir: string): DockerJournal | undefined {
  try {
    const j = JSON.parse(readFileSync(journalPath(runDir), 'utf8')) as DockerJournal;
    return j.provider === 'docker' && typeof j.runId === 'string' ? j : undefined;
  } catch {
    return undefined;
  }
}
