// Runs the fault plan against a started cluster: each planned fault is injected at
// its offset and healed at its heal time; `healAll` heals whatever is still in force
// (end of chaos, failure, Ctrl-C). Every fault comes with its heal, and heals are
// idempotent.

import type { Logger } from 'pino';
import type { StartedCluster } from '../providers/provider.ts';
import type { PlannedFault } from '../schedule/plan.ts';
import type { FaultJournal, FaultRecord } from './journal.ts';
import type { NodeResolver } from './leader-of.ts';

export interface FaultAction {
  inject(): Promise<void>;
  heal(): Promise<void>;
}

/** The damage each fault kind does, and its heal. Extra kinds plug in here. */
export type ActionFactory = (f: PlannedFault, cluster: StartedCluster) => FaultAction;

export const powerOffAction: ActionFactory = (f, c) => ({
  inject: async () => void (await Promise.all(f.nodes.map((n) => c.powerOff(n)))),
  heal: async () => void (await Promise.all(f.nodes.map((n) => c.powerOn(n)))),
});

export const pauseAction: ActionFactory = (f, c) => {
  const { pause, resume } = c;
  if (!pause || !resume) throw new Error(`provider ${c.provider} cannot pause nodes`);
  return {
    inject: async () => void (await Promise.all(f.nodes.map((n) => pause.call(c, n)))),
    heal: async () => void (await Promise.all(f.nodes.map((n) => resume.call(c, n)))),
  };
};

export const DEFAULT_ACTIONS: Readonly<Record<string, ActionFactory>> = { 'power-off': powerOffAction, pause: pauseAction };

export class FaultExecutor {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly active = new Map<string, { f: PlannedFault; action: FaultAction; injecting?: Promise<void>; healing?: Promise<void> }>();
  private readonly pending = new Set<Promise<void>>();
  readonly injected: FaultRecord[] = [];
  private closed = false;
  /** `leader-of:` faults whose node is being looked for, and those whose heal time came meanwhile. */
  private readonly resolving = new Set<string>();
  private readonly healedEarly = new Set<string>();

  constructor(
    private readonly cluster: StartedCluster,
    private readonly journal: FaultJournal,
    private readonly log: Logger,
    private readonly actions: Readonly<Record<string, ActionFactory>> = DEFAULT_ACTIONS,
    /** Finds the nodes of faults whose nodes are known only at run time (`leader-of:`). */
    private readonly resolve?: NodeResolver,
  ) {}

  /** Schedules the plan relative to now (the start of the chaos phase). */
  /** The faults in force right now (injected and not yet healed), for the live progress line. */
  inForce(): { id: string; kind: string; nodes: readonly string[] }[] {
    return [...this.active.values()].map(({ f }) => ({ id: f.id, kind: f.kind, nodes: f.nodes }));
  }

  start(faults: readonly PlannedFault[]): void {
    for (const f of faults) {
      this.timers.push(setTimeout(() => this.track(this.inject(f)), f.atMs));
      this.timers.push(setTimeout(() => this.track(this.heal(f.id, 'scheduled')), f.healAtMs));
    }
  }

  private track(p: Promise<void>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  private async inject(planned: PlannedFault): Promise<void> {
    if (this.closed) return;
    const factory = this.actions[planned.kind];
    if (!factory) throw new Error(`no action for fault kind ${planned.kind}`);
    let f = planned;
    let group: { group?: string } = {};
    if (planned.leaderOf) {
      this.resolving.add(planned.id);
      const t0 = performance.now();
      try {
        if (!this.resolve) throw new Error(`${planned.selector} needs the target to say who leads, and this run cannot ask it`);
        const busy = new Set([...this.active.values()].flatMap((a) => a.f.nodes));
        const found = await this.resolve(planned, busy);
        f = { ...planned, nodes: found.nodes };
        if (found.group !== undefined) group = { group: found.group };
      } catch (err) {
        this.resolving.delete(f.id);
        this.healedEarly.delete(f.id);
        this.journal.write({ event: 'inject', id: f.id, kind: f.kind, nodes: [], tookMs: ms(t0), error: (err as Error).message });
        this.log.error({ err, fault: f.id }, `${f.id} ${f.kind} ${planned.selector}: ${(err as Error).message}`);
        return;
      }
      if (this.closed) return;
      if (this.healedEarly.delete(f.id)) {
        this.journal.write({
          event: 'inject',
          id: f.id,
          kind: f.kind,
          nodes: [],
          ...group,
          tookMs: ms(t0),
          error: `its heal time came while the leader of ${planned.leaderOf.group ?? 'a group'} was being looked for`,
        });
        return;
      }
    }
    this.resolving.delete(f.id);
    const action = factory(f, this.cluster);
    const injecting = action.inject();
    this.active.set(f.id, { f, action, injecting: injecting.catch(() => undefined) });
    const t0 = performance.now();
    try {
      await injecting;
      const rec = this.journal.write({ event: 'inject', id: f.id, kind: f.kind, nodes: f.nodes, ...group, tookMs: ms(t0) });
      this.injected.push(rec);
      this.log.info(
        { fault: f.id, kind: f.kind, nodes: f.nodes, ...group },
        `${f.id} ${f.kind} ${f.nodes.join(', ')}${group.group ? ` (leader of ${group.group})` : ''}`,
      );
    } catch (err) {
      this.journal.write({ event: 'inject', id: f.id, kind: f.kind, nodes: f.nodes, ...group, tookMs: ms(t0), error: (err as Error).message });
      this.log.error({ err, fault: f.id }, `${f.id} ${f.kind} failed to inject: ${(err as Error).message}`);
    }
  }

  async heal(id: string, reason: string): Promise<void> {
    const a = this.active.get(id);
    if (!a) {
      if (this.resolving.delete(id)) this.healedEarly.add(id);
      return;
    }
    if (a.healing) return a.healing;
    a.healing = (async () => {
      await a.injecting;
      const t0 = performance.now();
      try {
        await a.action.heal();
        this.journal.write({ event: 'heal', id, kind: a.f.kind, nodes: a.f.nodes, tookMs: ms(t0), reason });
        this.log.info({ fault: id, reason }, `${id} healed (${reason}): ${a.f.nodes.join(', ')} back`);
      } catch (err) {
        this.journal.write({ event: 'heal', id, kind: a.f.kind, nodes: a.f.nodes, tookMs: ms(t0), reason, error: (err as Error).message });
        this.log.error({ err, fault: id }, `${id} heal failed: ${(err as Error).message}`);
      } finally {
        this.active.delete(id);
      }
    })();
    return a.healing;
  }

  /** Cancels what is not yet injected, waits for injections in flight, heals everything in force. */
  async healAll(reason: string): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    await Promise.allSettled([...this.pending]);
    await Promise.all([...this.active.keys()].map((id) => this.heal(id, reason)));
  }
}

const ms = (t0: number): number => Math.round((performance.now() - t0) * 10) / 10;
