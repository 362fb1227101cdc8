// Elections with log replicas (group.ts), against peers that are plain HTTP stubs:
// a log replica never stands for leader; a storage replica whose membership (the last
// config entry in its log) names a log replica in place of a down one wins with that
// log replica's vote; a storage replica its membership left out does not stand.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Rng } from '../../harness/schedule/rng.ts';
import { Group, type GroupOptions } from './group.ts';
import { readBody, sendJson, sleep } from './http.ts';
import { staticMembers } from './membership.ts';
import { ReplicaLog } from './replica.ts';
import { TermStore } from './term-store.ts';
import { walLine, type Entry, type Member } from './wal.ts';

const S = ['az1-store-1', 'az2-store-2', 'az3-store-1'];
const L = 'az1-store-2';
const timing = { heartbeatMs: 20, electionMinMs: 100, electionMaxMs: 150, leaseMs: 70, quorumTimeoutMs: 300, logReplicaAfterMs: 60_000 };

/** A peer that grants every vote and confirms every append; records what it was asked. */
async function stubPeer(): Promise<{ url: string; votes: unknown[]; server: Server }> {
  const votes: unknown[] = [];
  const server = createServer((req, res) => {
    void readBody(req).then((b) => {
      if (req.url === '/raft/vote') {
        votes.push(b);
        return sendJson(res, 200, { term: b.term, granted: true });
      }
      if (req.url === '/repl/append') {
        const entries = b.entries as unknown[];
        return sendJson(res, 200, { term: b.term, ok: true, lastSeq: Number(b.prevSeq) + entries.length });
      }
      sendJson(res, 404, {});
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, votes, server };
}

/** Stops the replica and the stubs when the test ends, passed or not (else their timers keep the test process alive). */
function cleanup(t: TestContext, r: Group, servers: readonly Server[]): void {
  t.after(async () => {
    r.stop();
    await r.log.wal.close();
    for (const s of servers) s.close();
  });
}

function group(self: string, kind: 'storage' | 'log', entries: readonly Entry[], urls: Record<string, string>): Group {
  const dir = mkdtempSync(join(tmpdir(), 'gameday-group-'));
  const file = kind === 'log' ? 'g0.logwal' : 'g0.wal';
  writeFileSync(join(dir, file), entries.map((e) => walLine(e)).join(''));
  const log = new ReplicaLog('g0', dir, {}, { file, applies: kind === 'storage' });
  const terms = new TermStore(dir, 'g0', false, log.lastTerm);
  const opts: GroupOptions = {
    self,
    kind,
    replicas: S,
    storageNodes: [...S, L].map((id) => ({ id, az: id.slice(0, 3) })),
    urlOf: (id) => urls[id] ?? 'http://127.0.0.1:9', // nothing listens on port 9: refused
    preferred: true,
    timing,
    bugs: { ackBeforeQuorum: false, noLease: false, voteTwice: false },
    rng: new Rng(1),
  };
  return new Group(log, terms, opts);
}

const replaced: Member[] = [...staticMembers(S.slice(1)), { id: L, kind: 'log' }];
const history: Entry[] = [
  { seq: 1, term: 1, cmd: { op: 'noop' } },
  { seq: 2, term: 1, cmd: { op: 'config', members: [...staticMembers(S), { id: L, kind: 'log' }] } },
  { seq: 3, term: 1, cmd: { op: 'config', members: replaced } },
];

test('a log replica never stands for leader, however long it hears from no leader', async (t) => {
  const peers = await Promise.all(S.map(() => stubPeer()));
  const urls = Object.fromEntries(S.map((id, i) => [id, (peers[i] as { url: string }).url]));
  const r = group(L, 'log', history, urls);
  cleanup(
    t,
    r,
    peers.map((p) => p.server),
  );
  await r.log.wal.open();
  r.start();
  await sleep(6 * timing.electionMaxMs);
  assert.equal(r.role, 'follower');
  assert.equal(r.term, 1);
  assert.deepEqual(
    peers.map((p) => p.votes.length),
    [0, 0, 0],
    'asked nobody for a vote',
  );
  // it still votes, by the same rules (here: a candidate as up to date as itself, no leader heard)
  assert.equal(r.onVote({ group: 'g0', term: 2, candidate: 'az3-store-1', lastSeq: 3, lastTerm: 1, pre: false }).granted, true);
  assert.equal(r.onVote({ group: 'g0', term: 3, candidate: 'az2-store-2', lastSeq: 2, lastTerm: 1, pre: false }).granted, false, 'log behind');
});

test("a candidate whose membership replaced a down replica by a log replica wins with the log replica's vote (2 of 3)", async (t) => {
  const lr = await stubPeer();
  // az2-store-2 is down (refused); az1-store-1 is the replaced one: not a member, not asked
  const r = group('az3-store-1', 'storage', history, { [L]: lr.url });
  cleanup(t, r, [lr.server]);
  await r.log.wal.open();
  r.start();
  for (let i = 0; i < 40 && r.role !== 'leader'; i++) await sleep(25);
  assert.equal(r.role, 'leader', 'elected by itself and the log replica');
  assert.ok(lr.votes.length >= 2, 'the log replica was asked (pre-vote, then vote)');
  // its no-op commits with the log replica's confirmation
  for (let i = 0; i < 40 && r.log.commitSeq < 4; i++) await sleep(25);
  assert.equal(r.log.commitSeq, 4);
});

test('without the config entries the same candidate (one other replica down) asks no log replica and is not elected', async (t) => {
  const lr = await stubPeer();
  const r = group('az3-store-1', 'storage', history.slice(0, 1), { [L]: lr.url });
  cleanup(t, r, [lr.server]);
  await r.log.wal.open();
  r.start();
  await sleep(6 * timing.electionMaxMs);
  assert.notEqual(r.role, 'leader');
  assert.equal(lr.votes.length, 0);
});

test('a storage replica that its membership left out does not stand', async (t) => {
  const peers = await Promise.all([stubPeer(), stubPeer()]);
  const r = group('az1-store-1', 'storage', history, { 'az2-store-2': (peers[0] as { url: string }).url, 'az3-store-1': (peers[1] as { url: string }).url });
  cleanup(
    t,
    r,
    peers.map((p) => p.server),
  );
  await r.log.wal.open();
  r.start();
  await sleep(6 * timing.electionMaxMs);
  assert.equal(r.role, 'follower');
  assert.deepEqual(
    peers.map((p) => p.votes.length),
    [0, 0],
  );
});
