// Where process.binding() would warn (DEP0111 under --pending-deprecation), the
// proxy does not touch it: its I/O is net.Socket, it says why, and no warning shows.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const probe = [
  "const { openTcp } = await import('./harness/toxiproxy/tcp.ts');",
  'const tcp = await openTcp();',
  'console.log(JSON.stringify({ io: tcp.io, fallback: tcp.fallback }));',
].join('\n');

function run(args: readonly string[], env: NodeJS.ProcessEnv = {}): { io: string; fallback?: string; stderr: string } {
  const r = spawnSync(process.execPath, [...args, '--import', 'tsx', '--input-type=module', '-e', probe], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, GAMEDAY_PROXY_IO: '', ...env },
  });
  assert.equal(r.status, 0, r.stderr);
  return { ...(JSON.parse(r.stdout.trim().split('\n').pop() as string) as { io: string; fallback?: string }), stderr: r.stderr };
}

for (const [how, args, env] of [
  ['--pending-deprecation', ['--pending-deprecation'], {}],
  ['NODE_PENDING_DEPRECATION=1', [], { NODE_PENDING_DEPRECATION: '1' }],
] as const) {
  test(`with ${how} the proxy uses net.Socket, says why, and prints no DEP0111`, () => {
    const r = run(args, env);
    assert.equal(r.io, 'node');
    assert.match(r.fallback ?? '', /deprecated under --pending-deprecation/);
    assert.doesNotMatch(r.stderr, /DEP0111/);
  });
}

test('without it the proxy keeps its faster I/O', () => {
  const r = run([]);
  assert.notEqual(r.io, 'node', r.fallback);
});
