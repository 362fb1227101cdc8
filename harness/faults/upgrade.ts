// `upgrade` / `downgrade`: a rolling restart of the nodes onto another build of the
// target, under canary traffic. One node at a time: powered off (SIGKILL), told its
// next start is build `to` (Target.useBuild), powered on on the same data, and once
// it answers its readiness probe the next one goes after `step`. The heal rolls them
// back onto the builds they ran, in reverse order. Checked before anything starts:
// the target must list the build (Target.builds), an upgrade must go to a newer
// build than the cluster starts on and a downgrade to an older one, and the provider
// must start nodes from the target's launch spec at every power-on (local; docker makes
// the node's container again when its spec changed; not attach).

import type { Target } from '../../targets/target.ts';
import { UsageError } from '../cli/errors.ts';
import type { Experiment } from '../experiment/schema.ts';
import type { ActionFactory } from './executor.ts';

/** Every upgrade / downgrade entry of the experiment is possible on this target and provider, or a UsageError naming the field. */
export function checkBuildFaults(exp: Experiment, target: Pick<Target, 'name' | 'builds' | 'useBuild'>, file: string): void {
  exp.faults.forEach((f, i) => {
    if (!f.build) return;
    const where = `${file}: faults[${i}]`;
    const builds = target.builds;
    if (!builds || !target.useBuild) {
      throw new UsageError(
        `${f.kind} restarts the nodes onto another build, and target ${target.name} has only one`,
        'remove this fault, or give the target builds and useBuild() (the reference cluster has v1 and v2)',
        `${where}.kind`,
      );
    }
    const at = builds.available.indexOf(f.build.to);
    if (at < 0) throw new UsageError(`target ${target.name} has no build "${f.build.to}"`, `use one of: ${builds.available.join(', ')}`, `${where}.to`);
    const from = builds.available.indexOf(builds.current);
    if (f.kind === 'upgrade' && at <= from) {
      throw new UsageError(
        `upgrade to ${f.build.to}, and the cluster starts on ${builds.current}${at === from ? '' : ', a newer build'}`,
        `upgrade to a newer build (${builds.available.slice(from + 1).join(', ') || 'none'}); its heal rolls back, a downgrade`,
        `${where}.to`,
      );
    }
    if (f.kind === 'downgrade' && at >= from) {
      const older = builds.available.slice(0, from);
      throw new UsageError(
        `downgrade to ${f.build.to}, and the cluster starts on ${builds.current}${at === from ? '' : ', an older build'}`,
        older.length
          ? `downgrade to one of: ${older.join(', ')}`
          : `${builds.current} is the oldest build: upgrade instead ({kind: upgrade, to: ${builds.available[from + 1] ?? '...'}}), whose heal is a downgrade back to ${builds.current}`,
        `${where}.to`,
      );
    }
    if (exp.provider !== 'local' && exp.provider !== 'docker')
      throw new UsageError(
        `${f.kind} needs each power-on to start the node from the target's launch spec, which provider ${exp.provider} does not do (it attaches to containers it did not make)`,
        'run it on provider local or docker',
        `${file}: provider`,
      );
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The rolling restart onto f.build.to, and back as the heal. */
export function buildAction(target: Pick<Target, 'useBuild' | 'buildOf' | 'builds'>): ActionFactory {
  return (f, c) => {
    const to = f.build?.to;
    const use = target.useBuild?.bind(target);
    if (!to || !use) throw new Error(`fault ${f.id} (${f.kind}) has no build to roll onto`);
    const was = new Map(f.nodes.map((n) => [n, target.buildOf?.(n) ?? target.builds?.current ?? '']));
    const roll = async (order: readonly string[], buildFor: (n: string) => string): Promise<void> => {
      for (const n of order) {
        if ((target.buildOf?.(n) ?? '') === buildFor(n)) continue;
        await c.powerOff(n);
        use(n, buildFor(n));
        await c.powerOn(n);
        await sleep(f.build?.stepMs ?? 0);
      }
    };
    return {
      inject: () => roll(f.nodes, () => to),
      heal: () => roll([...f.nodes].reverse(), (n) => was.get(n) ?? to),
    };
  };
}
