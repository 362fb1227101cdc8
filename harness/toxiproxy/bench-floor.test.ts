// The benchmark's floor (bench-floor.c) must be a real forwarder: bytes both ways
// on several connections, a close passed on, and gone when its stdin closes.
// Otherwise the "C floor" column of `npm run bench` would measure nothing.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { buildFloor } from './bench.ts';

test('bench-floor forwards bytes both ways, passes a close on, exits when its stdin closes', { timeout: 20_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gameday-floor-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const built = buildFloor(dir);
  if (!built.binary) return t.skip(built.why ?? 'not built');
  const upstream = createServer((s) => s.on('data', (b: Buffer) => s.write(Buffer.from(b.toString('utf8').toUpperCase()))).on('end', () => s.end()));
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  t.after(() => upstream.close());
  const floor = spawn(built.binary, [String((upstream.address() as AddressInfo).port)], { stdio: ['pipe', 'pipe', 'inherit'] });
  t.after(() => floor.kill('SIGKILL'));
  const [line] = (await once(createInterface({ input: floor.stdout }), 'line')) as [string];
  const port = Number(/^listening (\d+)$/.exec(line)?.[1]);
  assert.ok(port > 0, line);

  const exchange = async (msg: string): Promise<string> => {
    const s = connect(port, '127.0.0.1');
    await once(s, 'connect');
    let got = '';
    s.on('data', (b: Buffer) => (got += b.toString('utf8')));
    s.write(msg);
    s.end(); // the upstream ends when it sees the end: the close came through
    await once(s, 'close');
    return got;
  };
  assert.deepEqual(await Promise.all(['one', 'two', 'three'].map(exchange)), ['ONE', 'TWO', 'THREE']);

  floor.stdin.end();
  const [code] = (await once(floor, 'exit')) as [number | null];
  assert.equal(code, 0);
});
