// Porcupine measured beside gameday in `npm run bench:check`: its own source and timing
// harness in ../shared/tools/porcupine (parsing excluded, median of N runs), built with
// the machine's Go. Without Go (or without ../shared) there is nothing to run, and the
// benchmark prints the figures last recorded instead, marked as such.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** How Porcupine reads a file: Jepsen etcd log, kv per key, kv as one map. */
export type PorcupineKind = 'etcd' | 'kv' | 'kvwhole';

export interface PorcupineFigure {
  readonly verdict: 'pass' | 'fail' | 'unknown';
  readonly medianMs: number;
  readonly minMs: number;
}

const MEASURE = fileURLToPath(new URL('../../../shared/tools/porcupine/measure.sh', import.meta.url));

/** Why Porcupine cannot be run here, or undefined if it can. */
export function porcupineMissing(): string | undefined {
  if (!existsSync(MEASURE)) return `${MEASURE} is absent`;
  if (spawnSync('go', ['version'], { stdio: 'ignore' }).status !== 0) return 'no Go on PATH (apt-get install -y golang-go)';
  return undefined;
}

/** Times Porcupine on one file: `runs` runs, each given up after `timeoutS` seconds (then unknown). */
export function measurePorcupine(file: string, kind: PorcupineKind, runs: number, timeoutS: number): PorcupineFigure {
  const dir = mkdtempSync(join(tmpdir(), 'gameday-porcupine-'));
  try {
    const list = join(dir, 'list.tsv');
    writeFileSync(list, `${file}\t${kind}\t${runs}\n`);
    const r = spawnSync('bash', [MEASURE, list, String(timeoutS)], { encoding: 'utf8', maxBuffer: 1 << 24 });
    const row = r.stdout.split('\n').find((l) => l.startsWith(`${file}\t`));
    if (r.status !== 0 || row === undefined) throw new Error(`measure.sh failed (exit ${r.status}): ${r.stderr.slice(-500)}`);
    const [, , , verdict, median, min] = row.split('\t') as [string, string, string, PorcupineFigure['verdict'], string, string];
    return { verdict, medianMs: Number(median), minMs: Number(min) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
