// What a rolling upgrade to v2 and back must leave in a run folder, on either provider:
// both faults journaled without error, every storage node started v1, v2, v1 (its
// node.log), a v2 line in its WAL (v2's format, read back by v1), and writes
// acknowledged in every second of the roll.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FaultRecord } from '../harness/faults/journal.ts';
import type { Op } from '../harness/history/op.ts';
import { lines } from './run-folder.ts';

export function assertRolledAndBack(out: string): void {
  const faults = lines<FaultRecord>(join(out, 'faults.ndjson'));
  assert.deepEqual(
    faults.map((f) => [f.event, f.kind, f.error]),
    [
      ['inject', 'upgrade', undefined],
      ['heal', 'upgrade', undefined],
    ],
  );
  const storage = ['az1-store-1', 'az1-store-2', 'az2-store-1', 'az2-store-2', 'az3-store-1', 'az3-store-2'];
  for (const n of storage) {
    const starts = [...readFileSync(join(out, 'nodes', n, 'node.log'), 'utf8').matchAll(/listening on \S+ \(build (v\d)\)/g)].map((m) => m[1]);
    assert.deepEqual(starts, ['v1', 'v2', 'v1'], `${n} started on ${starts.join(', ')}`);
    // what v2 wrote is in its own format, and v1 read it back on the downgrade (the replicas agree)
    const wals = readdirSync(join(out, 'nodes', n, 'data')).filter((f) => f.endsWith('.wal'));
    assert.ok(
      wals.some((w) => /"sum":"[0-9a-f]{12}"/.test(readFileSync(join(out, 'nodes', n, 'data', w), 'utf8'))),
      `${n}: no v2 line in its WAL`,
    );
  }
  // the canaries kept running through it: acknowledged writes in every second of the roll (inject to heal)
  const [inj, heal] = faults as [FaultRecord, FaultRecord];
  const acked = lines<Op>(join(out, 'history.ndjson')).filter((o) => o.type === 'ok' && !o.final && o.f !== 'read');
  for (let t = inj.time - (inj.tookMs ?? 0); t + 1000 < heal.time; t += 1000) {
    assert.ok(
      acked.some((o) => o.time >= t && o.time < t + 1000),
      `no write acknowledged from +${Math.round(t)} ms for 1 s during the roll`,
    );
  }
}
