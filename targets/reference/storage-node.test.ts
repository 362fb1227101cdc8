// A storage node hosting log replicas (storage-node.ts), one node-main.ts process on
// its own: an append marked asLogReplica for a group it does not replicate creates
// `<group>.logwal`; a log replica is started again from its file on restart, listed
// by /scrub with kind log (its committed prefix replayed for the checksum), serves no
// reads, and retires only once its log has the config entry that removed it.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { NodeConfig } from './config.ts';
import { buildGroups, buildTopology } from './layout.ts';
import { staticMembers } from './membership.ts';
import { checksumOf } from './replica.ts';
import { walLine, type Entry } from './wal.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SELF = 'az1-store-2'; // not a replica of g0, g1 or g2
const topo = buildTopology();
const groups = buildGroups(topo, 6);
const g0 = groups.find((g) => g.id === 'g0');

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function startNode(dataDir: string, port: number): Promise<ChildProcess> {
  const storage = topo.nodes.filter((n) => n.role === 'storage');
  const cfg: NodeConfig = {
    id: SELF,
    az: 'az1',
    role: 'storage',
    listen: { host: '127.0.0.1', port },
    dataDir,
    groups,
    azOf: Object.fromEntries(topo.nodes.map((n) => [n.id, n.az])),
    peers: Object.fromEntries(storage.filter((n) => n.id !== SELF).map((n) => [n.id, 'http://127.0.0.1:9'])),
    bugs: {},
    flushIntervalMs: 5000,
    requestTimeoutMs: 1500,
    quorumTimeoutMs: 1000,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'targets/reference/node-main.ts'], {
    cwd: root,
    env: { ...process.env, GAMEDAY_NODE_CONFIG: JSON.stringify(cfg) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (c: Buffer) => {
      if (c.toString().includes('listening')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`node exited ${code}`)));
  });
  return child;
}

function stop(c: ChildProcess): Promise<unknown> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  return new Promise((r) => {
    c.once('exit', r);
    c.kill('SIGKILL');
  });
}

test('a node hosts a log replica on demand, starts it again from its file, lists it in /scrub, serves no reads from it, retires it once removed', {
  timeout: 30_000,
}, async (t) => {
  assert.ok(g0 && !g0.replicas.includes(SELF));
  const dir = mkdtempSync(join(tmpdir(), 'gameday-lognode-'));
  const withL = [...staticMembers(g0.replicas), { id: SELF, kind: 'log' as const }];
  const entries: Entry[] = [
    { seq: 1, term: 1, cmd: { op: 'noop' } },
    { seq: 2, term: 1, cmd: { op: 'put', key: 'a', value: '1' } },
    { seq: 3, term: 1, cmd: { op: 'config', members: withL } },
  ];
  writeFileSync(join(dir, 'g0.logwal'), entries.map((e) => walLine(e)).join(''));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let node = await startNode(dir, port);
  t.after(() => stop(node));
  const post = async (path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
    const r = await fetch(`${base}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  const scrub = async (g: string): Promise<Record<string, unknown> | undefined> =>
    ((await (await fetch(`${base}/scrub`)).json()) as { groups: Record<string, unknown>[] }).groups.find((x) => x.group === g);

  // started from its file: a log replica, a member by its own log, nothing committed yet
  assert.deepEqual(await scrub('g0'), {
    group: 'g0',
    kind: 'log',
    role: 'follower',
    term: 1,
    leader: null,
    lastSeq: 3,
    commitSeq: 0,
    appliedSeq: 0,
    member: true,
    checksum: checksumOf(new Map()),
    keys: 0,
  });
  assert.equal((await fetch(`${base}/groups/g0/read?key=a`)).status, 404, 'a log replica serves no reads');
  // the leader says 3 is committed: the scrub replays the committed prefix
  const leader = { group: 'g0', term: 1, leader: 'az3-store-1' };
  assert.equal((await post('/repl/append', { ...leader, prevSeq: 3, prevTerm: 1, entries: [], commitSeq: 3 })).body.ok, true);
  assert.equal((await scrub('g0'))?.checksum, checksumOf(new Map([['a', '1']])));
  assert.equal((await scrub('g0'))?.appliedSeq, 3);
  // retire refused until its log has the entry that removed it
  assert.equal((await post('/repl/retire', { ...leader, removedAt: 4 })).status, 409);
  const removal: Entry = { seq: 4, term: 1, cmd: { op: 'config', members: withL.filter((m) => m.id !== 'az1-store-1') } };
  assert.equal((await post('/repl/retire', { ...leader, removedAt: 3 })).status, 409, 'config entry 3 names it');
  const without: Entry = { seq: 5, term: 1, cmd: { op: 'config', members: staticMembers(g0.replicas.filter((r) => r !== 'az1-store-1')) } };
  assert.equal((await post('/repl/append', { ...leader, prevSeq: 3, prevTerm: 1, entries: [removal, without], commitSeq: 5 })).body.ok, true);
  assert.equal((await scrub('g0'))?.member, false);
  assert.equal((await post('/repl/retire', { ...leader, removedAt: 5 })).status, 200);
  assert.equal(await scrub('g0'), undefined);
  assert.ok(existsSync(join(dir, 'g0.logwal.retired')) && !existsSync(join(dir, 'g0.logwal')));

  // an append marked asLogReplica creates one (and only for a group the node does not replicate)
  assert.equal(
    (await post('/repl/append', { group: 'g3', term: 1, leader: 'az2-store-1', prevSeq: 0, prevTerm: 0, entries: [], commitSeq: 0, asLogReplica: true })).body
      .ok,
    true,
  );
  assert.equal((await scrub('g3'))?.kind, 'storage');
  const first: Entry = { seq: 1, term: 2, cmd: { op: 'noop' } };
  assert.equal(
    (await post('/repl/append', { group: 'g1', term: 2, leader: 'az2-store-2', prevSeq: 0, prevTerm: 0, entries: [first], commitSeq: 0, asLogReplica: true }))
      .body.ok,
    true,
  );
  assert.ok(existsSync(join(dir, 'g1.logwal')));
  // after a restart: g1's log replica is back from its file, g0's retired one is not
  await stop(node);
  node = await startNode(dir, port);
  assert.equal((await scrub('g1'))?.kind, 'log');
  assert.equal((await scrub('g1'))?.lastSeq, 1);
  assert.equal((await scrub('g1'))?.term, 2);
  assert.equal(await scrub('g0'), undefined);
});
