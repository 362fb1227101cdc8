// `gameday toxiproxy` as a user runs it: serves the API until SIGTERM, then
// exits cleanly; a bad --listen is a usage error (exit 2) before anything starts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Toxiproxy } from 'toxiproxy-node-client';

const main = fileURLToPath(new URL('../cli/main.ts', import.meta.url));
const node = ['--import', 'tsx', main];

test('bad --listen ends with a usage error, exit 2', () => {
  for (const listen of ['nonsense', '127.0.0.1:99999', ':8474']) {
    const r = spawnSync(process.execPath, [...node, 'toxiproxy', '--listen', listen], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 2, `--listen ${listen}: ${r.stderr}`);
    assert.match(r.stderr, /--listen/);
  }
});

test('a GAMEDAY_PROXY_IO that names no I/O is a usage error, exit 2, with the choices', () => {
  const r = spawnSync(process.execPath, [...node, 'toxiproxy', '--listen', '127.0.0.1:0'], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, GAMEDAY_PROXY_IO: 'fast' },
  });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /GAMEDAY_PROXY_IO=fast is not one of native, raw, node/);
  assert.doesNotMatch(r.stdout, /listening/);
});

test('without a C compiler: GAMEDAY_PROXY_IO=native is a usage error naming it; unset, the proxy serves on libuv handles and says why', async () => {
  const env = { ...process.env, PATH: '/nonexistent', CC: '' };
  const r = spawnSync(process.execPath, [...node, 'toxiproxy', '--listen', '127.0.0.1:0'], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...env, GAMEDAY_PROXY_IO: 'native' },
  });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /native forwarder is not available: no C compiler/);
  const child = spawn(process.execPath, [...node, 'toxiproxy', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'], env });
  try {
    let out = '';
    child.stdout.setEncoding('utf8');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner: ${out}`)), 30_000);
      child.stdout.on('data', (d: string) => {
        out += d;
        if (out.includes('\n')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    assert.match(out, /bytes moved by libuv handles \(not native: no C compiler/);
  } finally {
    child.kill('SIGKILL');
  }
});

test('serves the Toxiproxy API on loopback until SIGTERM, then closes its proxies', async () => {
  const child = spawn(process.execPath, [...node, 'toxiproxy', '--listen', '127.0.0.1:0', '--seed', '5'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let out = '';
    child.stdout.setEncoding('utf8');
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner: ${out}`)), 30_000);
      child.stdout.on('data', (d: string) => {
        out += d;
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+) \(loopback only\), seed 5/.exec(out);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    });
    const tp = new Toxiproxy(url);
    const p = await tp.createProxy({ name: 'x', listen: '127.0.0.1:0', upstream: '127.0.0.1:9' });
    assert.equal(p.enabled, true);
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
    await assert.rejects(fetch(`${url}/version`));
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
