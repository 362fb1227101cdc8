// One canary: a client in one AZ that exercises one public endpoint at a steady
// rate, as a customer in that AZ would, and records every operation in the history
// (invoke, then ok / fail / info). After an `info` it continues under a new process
// id, as Jepsen's clients do: the old one may still have an operation in flight.

import type { HistoryWriter } from '../harness/history/writer.ts';
import type { Op } from '../harness/history/op.ts';
import type { CanarySpec } from '../harness/experiment/schema.ts';
import type { Rng } from '../harness/schedule/rng.ts';
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
}

export class Canary {
  private process: number;
  private stopped = false;
  private loop: Promise<void> | undefined;
  readonly client: KvClient;
  private readonly workload: KvWorkload;

  constructor(private readonly o: CanaryOptions) {
    this.process = o.newProcess();
    this.client = new KvClient(o.url, o.spec.timeoutMs);
    this.workload = new KvWorkload(o.id, o.spec, o.rng);
  }

  start(): void {
    this.loop = this.run();
  }

  /** Stops issuing; resolves once the operation in flight has completed. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    this.client.close();
  }

  private async run(): Promise<void> {
    const interval = 1000 / this.o.spec.rate;
    // Desynchronise the fleet: start at a seeded offset within one interval.
    let next = performance.now() + this.o.rng.next() * interval;
    while (!this.stopped) {
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (this.stopped) break;
      next += interval;
      // A canary that fell behind (a slow answer) does not burst to catch up.
      if (next < performance.now()) next = performance.now();
      await this.once(this.workload.next());
    }
  }

  private async once(op: NextOp): Promise<void> {
    const h = this.o.history;
    const base = { process: this.process, f: op.f, key: op.key, az: this.o.az, endpoint: this.o.endpoint } as const;
    const invokeValue = op.f === 'write' ? op.value : op.f === 'cas' ? ([op.expected, op.value] as const) : null;
    const consistency = op.f === 'read' ? { consistency: op.consistency } : {};
    const inv = h.record({ ...base, ...consistency, type: 'invoke', value: invokeValue });
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
    const latencyMs = Math.round((h.clock() - inv.time) * 1000) / 1000;
    const completion: Op['value'] = out.type === 'ok' && op.f === 'read' ? (out.value ?? null) : invokeValue;
    h.record({ ...base, ...consistency, type: out.type, value: completion, latencyMs, ...(out.type === 'ok' ? {} : { error: out.error }) });
    if (out.type === 'ok') {
      if (op.f === 'read' && op.consistency === 'strong') this.workload.observe(op.key, out.value ?? null);
      if (op.f === 'write' || op.f === 'cas') this.workload.observe(op.key, op.value);
      if (op.f === 'delete') this.workload.observe(op.key, null);
    } else if (out.type === 'fail' && out.error === PRECONDITION_FAILED && 'current' in out) {
      this.workload.observe(op.key, out.current ?? null);
    }
    if (out.type === 'info') this.process = this.o.newProcess();
  }
}
