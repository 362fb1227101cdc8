// Undo a docker run after the harness died (`gameday heal`): remove the run's chain
// from every container of the run (connectivity is back), then remove the run's
// containers and network. Selection is by the label `gameday.run=<runId>` only:
// nothing without it is ever removed. The one exception to "only what carries the
// label" is an attach run's containers, which gameday did not create: the journal
// names each by id with what was done to it, and heal starts again the ones it
// powered off, thaws the ones it paused, removes its chain, and leaves them.

import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { logsOf } from './container.ts';
import { readJournal, writeJournal, type JournalAttached } from './journal.ts';
import { chainName, LABEL_NODE, LABEL_RUN } from './names.ts';
import { removeChain } from './netns.ts';
import { dockerode } from './runtime.ts';

export interface DockerHealReport {
  readonly runId: string;
  /** Attached containers (attach runs) started again or thawed. */
  readonly restored: readonly string[];
  readonly chainsRemoved: number;
  readonly containersRemoved: readonly string[];
  readonly networksRemoved: readonly string[];
  readonly errors: readonly string[];
  readonly ms: number;
}

/** A run folder (with docker-state.json) or a bare run id → run id (+ folder). */
export function resolveRun(runDirOrId: string): { runId: string; runDir?: string } {
  const dir = resolve(runDirOrId);
  if (existsSync(dir) && statSync(dir).isDirectory()) {
    const j = readJournal(dir);
    if (!j) throw new Error(`${dir}: no docker-state.json of the docker provider (not a docker run folder?)`);
    return { runId: j.runId, runDir: dir };
  }
  return { runId: runDirOrId };
}

const runFilter = (runId: string): string => JSON.stringify({ label: [`${LABEL_RUN}=${runId}`] });

/** Removes the run's chain from every running container of the run; leaves the containers. */
export async function healDockerRules(runDirOrId: string): Promise<{ runId: string; chainsRemoved: number; errors: string[]; ms: number }> {
  const t0 = performance.now();
  const { runId } = resolveRun(runDirOrId);
  const docker = await dockerode();
  const chain = chainName(runId);
  const listed = await docker.listContainers({ all: true, filters: runFilter(runId) });
  const errors: string[] = [];
  let chainsRemoved = 0;
  await Promise.all(
    listed.map(async (c) => {
      if (c.Labels[LABEL_RUN] !== runId) return; // belt and braces: the label or nothing
      try {
        const s = (await docker.getContainer(c.Id).inspect()).State;
        if (!s.Running || s.Pid <= 0) return;
        if (await removeChain(s.Pid, chain)) chainsRemoved++;
      } catch (err) {
        errors.push(`${c.Names[0] ?? c.Id}: ${(err as Error).message}`);
      }
    }),
  );
  return { runId, chainsRemoved, errors, ms: performance.now() - t0 };
}

/** Heals the rules, then removes the run's containers (saving their logs) and network. Idempotent. */
export async function healDockerRun(runDirOrId: string): Promise<DockerHealReport> {
  const t0 = performance.now();
  const { runId, runDir } = resolveRun(runDirOrId);
  const rules = await healDockerRules(runId);
  const docker = await dockerode();
  const errors = [...rules.errors];
  const containersRemoved: string[] = [];
  const listed = await docker.listContainers({ all: true, filters: runFilter(runId) });
  await Promise.all(
    listed.map(async (c) => {
      if (c.Labels[LABEL_RUN] !== runId) return;
      const name = (c.Names[0] ?? c.Id).replace(/^\//, '');
      const handle = docker.getContainer(c.Id);
      const node = c.Labels[LABEL_NODE];
      if (runDir && node) {
        try {
          const dir = join(runDir, 'nodes', node.replace(':', '-'));
          mkdirSync(dir, { recursive: true });
          writeFileSync(join(dir, 'container.log'), await logsOf(handle));
        } catch {
          /* logs are best effort */
        }
      }
      try {
        await handle.remove({ force: true, v: true });
        containersRemoved.push(name);
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode !== 404) errors.push(`remove ${name}: ${(err as Error).message}`);
      }
    }),
  );
  const networksRemoved: string[] = [];
  for (const n of await docker.listNetworks({ filters: runFilter(runId) })) {
    if (n.Labels?.[LABEL_RUN] !== runId) continue;
    try {
      await docker.getNetwork(n.Id).remove();
      networksRemoved.push(n.Name);
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) errors.push(`remove network ${n.Name}: ${(err as Error).message}`);
    }
  }
  const restored: string[] = [];
  let chainsRemoved = rules.chainsRemoved;
  const j = runDir ? readJournal(runDir) : undefined;
  for (const a of j?.attached ?? []) {
    try {
      const r = await restoreAttached(a, chainName(runId));
      if (r.restored) restored.push(a.container);
      if (r.chainRemoved) chainsRemoved++;
    } catch (err) {
      errors.push(`${a.container}: ${(err as Error).message}`);
    }
  }
  if (runDir && j)
    writeJournal(runDir, { ...j, cuts: [], ...(j.attached ? { attached: j.attached.map((a) => ({ ...a, power: 'on' as const })) } : {}), state: 'stopped' });
  return { runId, restored, chainsRemoved, containersRemoved, networksRemoved, errors, ms: performance.now() - t0 };
}

/** One attached container as it was before the run: thawed if gameday paused it, started if it powered it off, without the run's chain. */
async function restoreAttached(a: JournalAttached, chain: string): Promise<{ restored: boolean; chainRemoved: boolean }> {
  const docker = await dockerode();
  const handle = docker.getContainer(a.id);
  let s = (await handle.inspect()).State;
  let restored = false;
  if (a.power === 'paused' && s.Paused) {
    await handle.unpause();
    restored = true;
  }
  if (a.power === 'off' && !s.Running) {
    await handle.start();
    restored = true;
  }
  s = (await handle.inspect()).State;
  const chainRemoved = s.Running && s.Pid > 0 ? await removeChain(s.Pid, chain) : false;
  return { restored, chainRemoved };
}

/** What of a run is still there (for tests and `gameday heal --dry-run`). */
export async function leftovers(runId: string): Promise<{ containers: string[]; networks: string[] }> {
  const docker = await dockerode();
  const containers = (await docker.listContainers({ all: true, filters: runFilter(runId) })).map((c) => (c.Names[0] ?? c.Id).replace(/^\//, ''));
  const networks = (await docker.listNetworks({ filters: runFilter(runId) })).map((n) => n.Name);
  return { containers, networks };
}
