// The canary's open model against a real HTTP server on loopback that answers slowly:
// calls start on schedule whatever the answers do, several in flight, each under a
// process id of its own; a full in-flight bound drops calls and counts them.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CanarySpec } from '../harness/experiment/schema.ts';
import type { Op } from '../harness/history/op.ts';
import { HistoryWriter } from '../harness/history/writer.ts';
import { Rng } from '../harness/schedule/rng.ts';
import { canaryRateWarnings } from '../harness/runner/warnings.ts';
import { Canary, defaultInFlightBound } from './canary.ts';

/** A key-value endpoint that answers every request after `delayMs` (or never, with Infinity). */
async function slowServer(delayMs: number): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    if (!Number.isFinite(delayMs)) return;
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ value: null }));
    }, delayMs);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const spec = (o: Partial<CanarySpec>): CanarySpec => ({
  rate: 40,
  keys: 5,
  timeoutMs: 3000,
  mix: { put: 1, get: 1, cas: 0, delete: 0, eventualGet: 0, insert: 0 },
  ...o,
});

async function runCanary(s: CanarySpec, delayMs: number, forMs: number): Promise<{ ops: Op[]; canary: Canary }> {
  const { url, server } = await slowServer(delayMs);
  const t0 = performance.now();
  const history = new HistoryWriter(join(mkdtempSync(join(tmpdir(), 'gameday-canary-')), 'history.ndjson'), () => performance.now() - t0);
  const ops: Op[] = [];
  history.onOp((op) => ops.push(op));
  let next = 0;
  const canary = new Canary({ id: 'az1>r1', az: 'az1', endpoint: 'r1', url, spec: s, rng: new Rng(7), history, newProcess: () => next++ });
  canary.start();
  await new Promise((r) => setTimeout(r, forMs));
  const stopping = canary.stop();
  server.closeAllConnections();
  await stopping;
  server.close();
  history.close();
  return { ops, canary };
}

test('a slow endpoint does not slow the canary: calls start at the requested rate, many in flight, latency from the schedule', {
  timeout: 20_000,
}, async () => {
  const { ops, canary } = await runCanary(spec({ rate: 40 }), 400, 2000);
  const invokes = ops.filter((o) => o.type === 'invoke');
  // 2 s at 40/s: about 80 calls, though each takes 400 ms (a closed loop would manage 5)
  assert.ok(invokes.length >= 72 && invokes.length <= 82, `${invokes.length} calls started`);
  const st = canary.stats();
  assert.equal(st.dropped, 0);
  assert.ok(st.maxInFlight >= 14, `at most ${st.maxInFlight} in flight`);
  assert.ok(Math.abs(st.achievedOpsPerSec - 40) <= 3, `achieved ${st.achievedOpsPerSec}/s`);
  const done = ops.filter((o) => o.type === 'ok');
  assert.ok(done.length > 50 && done.every((o) => (o.latencyMs ?? 0) >= 395), 'latency includes the whole wait');
  // a process never has two calls open
  const open = new Map<number, boolean>();
  for (const o of ops) {
    if (o.type === 'invoke') {
      assert.notEqual(open.get(o.process), true, `process ${o.process} has two calls open`);
      open.set(o.process, true);
    } else open.set(o.process, false);
  }
  assert.ok(new Set(invokes.map((o) => o.process)).size >= 14, 'calls in flight run under distinct process ids');
  assert.doesNotMatch(canaryRateWarnings([st]).join('\n'), /could not keep the requested rate/);
});

test('a process id is retired after an info (the call may still take effect) and reused after an answer', { timeout: 20_000 }, async () => {
  const answered = await runCanary(spec({ rate: 20 }), 5, 1000);
  const ids = answered.ops.filter((o) => o.type === 'invoke').map((o) => o.process);
  assert.ok(ids.length >= 15 && new Set(ids).size <= ids.length / 2, `fast answers reuse ids: ${new Set(ids).size} ids for ${ids.length} calls`);
  const hung = await runCanary(spec({ rate: 20, timeoutMs: 200 }), Infinity, 1000);
  const infos = hung.ops.filter((o) => o.type === 'info');
  assert.ok(infos.length > 10);
  const invokes = hung.ops.filter((o) => o.type === 'invoke');
  assert.equal(new Set(invokes.map((o) => o.process)).size, invokes.length, 'after a timeout no process id is used again');
});

test('a full in-flight bound drops calls, counts them, and the run says the rate was not kept', { timeout: 20_000 }, async () => {
  const { canary } = await runCanary(spec({ rate: 50, maxInFlight: 3 }), Infinity, 1000);
  const st = canary.stats();
  assert.equal(st.inFlightBound, 3);
  assert.equal(st.maxInFlight, 3);
  assert.ok(st.dropped >= 40, `${st.dropped} dropped`);
  assert.equal(st.started + st.dropped, st.scheduled);
  assert.match(
    canaryRateWarnings([st]).join('\n'),
    /1 of 1 canaries could not keep the requested rate: az1>r1 started [\d.]+ of 50 ops\/s and dropped \d+ calls with 3 in flight/,
  );
});

test('the default bound lets every call time out at the requested rate, twice over', () => {
  assert.equal(defaultInFlightBound({ rate: 20, timeoutMs: 2500 }), 104);
  assert.equal(defaultInFlightBound({ rate: 1000, timeoutMs: 60_000 }), 1000);
});
