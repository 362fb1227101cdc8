// Runs in progress are registered in a state folder (GAMEDAY_STATE_DIR, default
// ~/.gameday/active). A run whose harness is gone (crashed, SIGKILLed) is healed by
// `gameday heal` and at the start of the next `gameday run`: its node processes are
// killed (only those that carry its GAMEDAY_RUN_ID), faults still in force are
// recorded as healed, and provider resources (containers, networks, rules) carrying
// its label are removed.

import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { FaultJournal, inForce, readFaults } from '../faults/journal.ts';
import { removeRunProxies } from '../faults/toxiproxy-heal.ts';

export interface ActiveRun {
  readonly runId: string;
  readonly runDir: string;
  readonly pid: number;
  readonly provider: string;
  readonly startedAt: string;
  /** --toxiproxy URL of a real Toxiproxy the run drives: its proxies outlive a crash. */
  readonly toxiproxy?: string;
}

export const stateDir = (): string => process.env.GAMEDAY_STATE_DIR ?? join(homedir(), '.gameday', 'active');

export function registerRun(r: ActiveRun): void {
  mkdirSync(stateDir(), { recursive: true });
  writeFileSync(join(stateDir(), `${r.runId}.json`), JSON.stringify(r) + '\n');
}

export function unregisterRun(runId: string): void {
  rmSync(join(stateDir(), `${runId}.json`), { force: true });
}

export function listActive(): ActiveRun[] {
  if (!existsSync(stateDir())) return [];
  return readdirSync(stateDir())
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => {
      try {
        return [JSON.parse(readFileSync(join(stateDir(), f), 'utf8')) as ActiveRun];
      } catch {
        return [];
      }
    });
}

/** True while the process exists and is not a zombie (a dead child nobody reaped yet). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

/** True only if /proc says the process carries this run's id in its environment. */
function belongsToRun(pid: number, runId: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`GAMEDAY_RUN_ID=${runId}`);
  } catch {
    return false;
  }
}

export interface HealReport {
  readonly runId: string;
  readonly killed: number[];
  readonly faultsHealed: string[];
  readonly provider: string[];
}

/** Heals one run left behind by a dead harness. Never touches what does not carry the run's id. */
export async function healRun(r: ActiveRun): Promise<HealReport> {
  const killed: number[] = [];
  const pidsFile = join(r.runDir, 'nodes', 'pids.json');
  if (existsSync(pidsFile)) {
    try {
      const { pids } = JSON.parse(readFileSync(pidsFile, 'utf8')) as { pids: Record<string, number> };
      for (const pid of Object.values(pids)) {
        if (alive(pid) && belongsToRun(pid, r.runId)) {
          process.kill(pid, 'SIGCONT');
          process.kill(pid, 'SIGKILL');
          killed.push(pid);
        }
      }
    } catch {
      /* unreadable journal: nothing we can prove is ours */
    }
  }
  const providerNotes: string[] = [];
  if (r.provider === 'docker' || r.provider === 'attach') {
    const dockerHeal = '../providers/docker/heal.ts'; // loaded only for docker runs (pulls in testcontainers)
    const mod = (await import(dockerHeal).catch(() => undefined)) as { healDockerRun?: (x: string) => Promise<unknown> } | undefined;
    if (mod?.healDockerRun) providerNotes.push(JSON.stringify(await mod.healDockerRun(r.runDir)));
  }
  if (r.provider === 'processes') {
    const { healProcesses } = await import('../providers/processes.ts');
    providerNotes.push(JSON.stringify(await healProcesses(r.runDir)));
  }
  if (r.toxiproxy) {
    // the run's proxies on a real Toxiproxy (by name: gameday-<runId>.*), their toxics with them
    const t = await removeRunProxies(r.toxiproxy, r.runId);
    providerNotes.push(
      `toxiproxy ${t.url}: ${t.gone ? 'not running (its proxies went with it)' : `removed ${t.removed.length} proxies`}${t.error ? ` (${t.error}; run \`gameday heal\` again once it answers)` : ''}`,
    );
    if (t.error) {
      // keep the run registered: its proxies may still be there
      return { runId: r.runId, killed, faultsHealed: [], provider: providerNotes };
    }
  }
  const faultsPath = join(r.runDir, 'faults.ndjson');
  const open = inForce(readFaults(faultsPath));
  const journal = new FaultJournal(faultsPath, () => -1);
  for (const f of open) journal.write({ event: 'heal', id: f.id, kind: f.kind, nodes: f.nodes, reason: 'after-crash' });
  unregisterRun(r.runId);
  return { runId: r.runId, killed, faultsHealed: open.map((f) => f.id), provider: providerNotes };
}

/** Heals every registered run whose harness is no longer alive. */
export async function healStale(): Promise<HealReport[]> {
  const out: HealReport[] = [];
  for (const r of listActive()) if (r.pid !== process.pid && !alive(r.pid)) out.push(await healRun(r));
  return out;
}
