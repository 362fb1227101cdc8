// One canary: a client in one AZ that exercises one public endpoint as the customers
// in that AZ would, and records every operation in the history (invoke, then ok /
// fail / info).
//
// Open model (k6's constant-arrival-rate): calls start on a fixed schedule whatever
// the answers do, so a slow or hanging endpoint does not slow the canary down (the
// alarm windows keep getting calls at the requested rate exactly when customers are
// hurt), and latency is timed from the scheduled start, so a late start counts
// against it (no coordinated omission). Several calls may be in flight, up to a
// bound; a call whose turn comes while the bound is reached is dropped and counted.
// Each call in flight runs under a process id of its own: ids are reused once their
// call has an answer (ok / fail), and after an `info` the id is retired, as Jepsen
// does (that call may still take effect), so a process never has two calls open.

import type { HistoryWriter } from '../harness/history/writer.ts';
import type { Op } from '../harness/history/op.ts';
import type { CanarySpec } from '../harness/experiment/schema.ts';
import type { Rng } from '../harness/schedule/rng.ts';
import type { ClientOptions, KvApi } from '../targets/target.ts';
import { KvClient, PRECONDITION_FAILED, type Outcome } from './kv-client.ts';
import { KvWorkload, type NextOp } from './workload.ts';

export interface CanaryOptions {
  readonly id: string;
  readonly az: string;
  readonly endpoint: string;
  readonly url: string;
  readonly spec: CanarySpec;
  readonly rng: Rng;
  readonly history: HistoryWriter;
  /** Allocates process ids unique across the fleet. */
  readonly newProcess: () => number;
  /** The target's client (default: the HTTP key-value API). */
  readonly client?: (url: string, o: ClientOptions) => KvApi;
  /** How this canary reaches any node from its AZ (passed on to the target's client). */
  readonly urlOf?: (nodeId: string) => string;
  /** Put before every key (attach runs: the cluster keeps earlier runs' data, so each run writes keys of its own). */
  readonly keyPrefix?: string;
}

/** What one canary did, beside what it was asked to do (result.json `figures.canaryRates`). */
export interface CanaryStats {
  readonly canary: string;
  readonly az: string;
  readonly endpoint: string;
  readonly requestedOpsPerSec: number;
  /** Calls started per second over the time the canary ran. */
  readonly achievedOpsPerSec: number;
  readonly scheduled: number;
  readonly started: number;
  /** Turns that came while `inFlightBound` calls were in flight: not started. */
  readonly dropped: number;
  /** Most calls in flight at once, and the bound. */
  readonly maxInFlight: number;
  readonly inFlightBound: number;
  /** Starts later than their schedule by more than LATE_MS (the harness's own event loop was late). */
  readonly lateStarts: number;
  readonly ranMs: number;
}

/** A call that starts this much after its turn counts as late (the harness itself was too busy). */
export const LATE_MS = 50;

/**
 * Default bound on calls in flight: twice what it takes for every call to time out at
 * the requested rate (timers fire late on a busy machine), at most 1000.
 */
export function defaultInFlightBound(spec: Pick<CanarySpec, 'rate' | 'timeoutMs'>): number {
  return Math.min(1000, Math.ceil((2 * spec.rate * spec.timeoutMs) / 1000) + 4);
}

export class Canary {
  private stopped = false;
  private loop: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  /** Process ids whose last call has an answer: free for the next call. */
  private readonly idle: number[] = [];
  readonly client: KvApi;
  private readonly workload: KvWorkload;
  readonly bound: number;
  private scheduled = 0;
  private started = 0;
  private dropped = 0;
  private late = 0;
  private maxInFlight = 0;
  private startedAt = 0;
  private stoppedAt = 0;

  constructor(private readonly o: CanaryOptions) {
    this.bound = o.spec.maxInFlight ?? defaultInFlightBound(o.spec);
    this.client = o.client
      ? o.client(o.url, { timeoutMs: o.spec.timeoutMs, maxInFlight: this.bound, ...(o.urlOf ? { urlOf: o.urlOf } : {}) })
      : new KvClient(o.url, o.spec.timeoutMs, this.bound);
    this.workload = new KvWorkload(o.id, o.spec, o.rng, o.keyPrefix);
  }

  start(): void {
    this.startedAt = performance.now();
    this.loop = this.run();
  }

  /** Stops issuing; resolves once every call in flight has its answer (or timed out). */
  async stop(): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      this.stoppedAt = performance.now();
      clearTimeout(this.timer);
      this.wake?.();
    }
    await this.loop;
    await Promise.all(this.inFlight);
    this.client.close();
  }

  stats(): CanaryStats {
    const ranMs = Math.max(0, (this.stoppedAt || performance.now()) - this.startedAt);
    return {
      canary: this.o.id,
      az: this.o.az,
      endpoint: this.o.endpoint,
      requestedOpsPerSec: this.o.spec.rate,
      achievedOpsPerSec: ranMs > 0 ? Math.round((this.started / ranMs) * 1000 * 10) / 10 : 0,
      scheduled: this.scheduled,
      started: this.started,
      dropped: this.dropped,
      maxInFlight: this.maxInFlight,
      inFlightBound: this.bound,
      lateStarts: this.late,
      ranMs: Math.round(ranMs),
    };
  }

  private async run(): Promise<void> {
    const interval = 1000 / this.o.spec.rate;
    // Desynchronise the fleet: start at a seeded offset within one interval.
    let next = performance.now() + this.o.rng.next() * interval;
    while (!this.stopped) {
      const wait = next - performance.now();
      if (wait > 0) {
        await new Promise<void>((r) => {
          this.wake = r;
          this.timer = setTimeout(r, wait);
        });
      }
      // every turn that has come starts now: a late timer makes calls late, never fewer
      const now = performance.now();
      while (!this.stopped && next <= now) {
        this.scheduled++;
        if (this.inFlight.size >= this.bound) this.dropped++;
        else this.launch(next, now);
        next += interval;
      }
    }
  }

  private launch(scheduledAt: number, now: number): void {
    this.started++;
    if (now - scheduledAt > LATE_MS) this.late++;
    const process = this.idle.pop() ?? this.o.newProcess();
    const p: Promise<void> = this.once(this.workload.next(), process, scheduledAt).then((reuse) => {
      this.inFlight.delete(p);
      if (reuse) this.idle.push(process);
    });
    this.inFlight.add(p);
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight.size);
  }

  /** One call; resolves whether its process id may be used again (not after an `info`). */
  private async once(op: NextOp, process: number, scheduledAt: number): Promise<boolean> {
    const h = this.o.history;
    const base = { process, f: op.f, key: op.key, az: this.o.az, endpoint: this.o.endpoint } as const;
    const invokeValue = op.f === 'write' ? op.value : op.f === 'cas' ? ([op.expected, op.value] as const) : null;
    const consistency = op.f === 'read' ? { consistency: op.consistency } : {};
    h.record({ ...base, ...consistency, type: 'invoke', value: invokeValue });
    let out: Outcome;
    switch (op.f) {
      case 'read':
        out = await this.client.get(op.key, op.consistency);
        break;
      case 'write':
        out = await this.client.put(op.key, op.value);
        break;
      case 'cas':
        out = await this.client.cas(op.key, op.expected, op.value);
        break;
      case 'delete':
        out = await this.client.delete(op.key);
        break;
    }
    // timed from the scheduled start (the history's clock and performance.now() differ by a constant)
    const latencyMs = Math.round((performance.now() - scheduledAt) * 1000) / 1000;
    const completion: Op['value'] = out.type === 'ok' && op.f === 'read' ? (out.value ?? null) : invokeValue;
    h.record({ ...base, ...consistency, type: out.type, value: completion, latencyMs, ...(out.type === 'ok' ? {} : { error: out.error }) });
    if (out.type === 'ok') {
      if (op.f === 'read' && op.consistency === 'strong') this.workload.observe(op.key, out.value ?? null);
      if (op.f === 'write' || op.f === 'cas') this.workload.observe(op.key, op.value);
      if (op.f === 'delete') this.workload.observe(op.key, null);
    } else if (out.type === 'fail' && out.error === PRECONDITION_FAILED && 'current' in out) {
      this.workload.observe(op.key, out.current ?? null);
    }
    return out.type !== 'info';
  }
}
