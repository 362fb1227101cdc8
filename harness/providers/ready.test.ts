import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { freePort } from './ports.ts';
import { commandProbe, tcpProbe, waitProbe, waitReady } from './ready.ts';

const listen = (s: Server): Promise<string> => new Promise((r) => s.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(s.address() as AddressInfo).port}`)));

test('waitReady resolves once the URL answers 200, after answers that are not 200', async () => {
  let calls = 0;
  const s = createServer((_q, res) => {
    res.statusCode = ++calls < 3 ? 503 : 200;
    res.end();
  });
  const url = await listen(s);
  try {
    await waitReady(`${url}/health`, { timeoutMs: 5_000, pollMs: 5 });
    assert.equal(calls, 3);
  } finally {
    s.close();
  }
});

test('waitReady stops as soon as the party is gone, saying why', async () => {
  const url = `http://127.0.0.1:${await freePort('127.0.0.1')}/health`;
  let polls = 0;
  await assert.rejects(
    waitReady(url, { timeoutMs: 10_000, what: 'node n1', pollMs: 5, gone: () => (++polls >= 3 ? 'exited with code 1' : undefined) }),
    /^Error: node n1 exited with code 1 before http:\/\/127\.0\.0\.1:\d+\/health answered 200$/,
  );
});

test('waitReady gives up after the timeout, naming the last answer', async () => {
  const url = `http://127.0.0.1:${await freePort('127.0.0.1')}/health`;
  await assert.rejects(waitReady(url, { timeoutMs: 200, what: 'node n2', pollMs: 5 }), /node n2 not ready within 200 ms: .* → ECONNREFUSED/);
});

test('a TCP probe is ready once the port accepts; a command probe once the command exits 0', async () => {
  const port = await freePort('127.0.0.1');
  const late = createServer();
  setTimeout(() => late.listen(port, '127.0.0.1'), 150);
  try {
    const t0 = Date.now();
    await waitProbe(tcpProbe('127.0.0.1', port), { timeoutMs: 5_000, pollMs: 10 });
    assert.ok(Date.now() - t0 >= 100, 'not before the port listened');
  } finally {
    late.close();
  }
  await waitProbe(commandProbe(['sh', '-c', 'exit 0']), { timeoutMs: 2_000 });
  await assert.rejects(
    waitProbe(commandProbe(['sh', '-c', 'exit 3']), { timeoutMs: 200, what: 'node r1', pollMs: 5 }),
    /node r1 not ready within 200 ms: command sh -c exit 3 → exit code 3/,
  );
  await assert.rejects(waitProbe(commandProbe(['/no/such/tool']), { timeoutMs: 200, pollMs: 5 }), /→ ENOENT/);
  await assert.rejects(waitProbe(tcpProbe('127.0.0.1', await freePort('127.0.0.1')), { timeoutMs: 200, pollMs: 5 }), /tcp 127\.0\.0\.1:\d+ → ECONNREFUSED/);
});
