// The history is evidence, not a log: every operation is appended to
// history.ndjson as it happens (one write(2) per line, straight to the kernel, so a
// crash of the harness loses nothing already recorded), never through the logger.

import { closeSync, openSync, writeSync } from 'node:fs';
import type { Op } from './op.ts';

export type OpInput = Omit<Op, 'index' | 'time'> & { readonly time?: number };

export class HistoryWriter {
  private fd: number | undefined;
  private nextIndex = 0;
  private readonly listeners: ((op: Op) => void)[] = [];
  /** Every key a write was invoked on: what the final reads must read back. */
  readonly writtenKeys = new Set<string>();

  constructor(
    readonly path: string,
    /** Milliseconds since the start of the run. */
    readonly clock: () => number,
  ) {
    this.fd = openSync(path, 'a');
  }

  onOp(fn: (op: Op) => void): void {
    this.listeners.push(fn);
  }

  record(input: OpInput): Op {
    const op = { index: this.nextIndex++, ...input, time: input.time ?? round3(this.clock()) } as Op;
    if (op.type === 'invoke' && op.f !== 'read' && op.key !== undefined) this.writtenKeys.add(op.key);
    if (this.fd !== undefined) writeSync(this.fd, JSON.stringify(op) + '\n');
    for (const l of this.listeners) l(op);
    return op;
  }

  get count(): number {
    return this.nextIndex;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

export const round3 = (x: number): number => Math.round(x * 1000) / 1000;
