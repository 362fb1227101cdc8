// Membership of a replication group (membership.ts, replica.ts): the last config
// entry in a replica's log is in force, committed or not (else the static three
// storage replicas); a majority of it commits and elects: 2 of 3, 3 of 4.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { majority, quorumValue, singleChange, staticMembers, VoteTally } from './membership.ts';
import { checksumOf, ReplicaLog } from './replica.ts';
import { walLine, type Entry, type Member } from './wal.ts';

const S = ['az1-store-1', 'az2-store-2', 'az3-store-1'];
const L: Member = { id: 'az1-store-2', kind: 'log' };
const withL: Member[] = [...staticMembers(S), L];
const replaced: Member[] = [...staticMembers(S.slice(1)), L];

function logOf(entries: readonly Entry[], opts: { applies?: boolean } = {}): ReplicaLog {
  const dir = mkdtempSync(join(tmpdir(), 'gameday-members-'));
  writeFileSync(join(dir, 'g0.wal'), entries.map((e) => walLine(e)).join(''));
  return new ReplicaLog('g0', dir, {}, opts);
}

const entries: Entry[] = [
  { seq: 1, term: 1, cmd: { op: 'noop' } },
  { seq: 2, term: 1, cmd: { op: 'put', key: 'a', value: '1' } },
  { seq: 3, term: 1, cmd: { op: 'config', members: withL } },
  { seq: 4, term: 1, cmd: { op: 'put', key: 'b', value: '2' } },
  { seq: 5, term: 2, cmd: { op: 'config', members: replaced } },
];

test('membership is the last config entry in the log, committed or not; before any, the static replicas', () => {
  assert.equal(logOf(entries.slice(0, 2)).config(), undefined);
  const log = logOf(entries);
  assert.equal(log.commitSeq, 0);
  assert.deepEqual(log.config(), { seq: 5, members: replaced });
  assert.deepEqual([...log.logMembersEver()], ['az1-store-2']);
  // a conflicting tail dropped takes its config entry with it
  log.truncateFrom(5);
  assert.deepEqual(log.config(), { seq: 3, members: withL });
  log.truncateFrom(3);
  assert.equal(log.config(), undefined);
  assert.deepEqual([...log.logMembersEver()], []);
  log.entries.push(entries[2] as Entry);
  assert.deepEqual(log.config()?.members, withL);
});

test('a majority of 3 members is 2, of 4 is 3: commits count the current membership', () => {
  assert.equal(majority(3), 2);
  assert.equal(majority(4), 3);
  assert.equal(majority(5), 3);
  const match: Record<string, number> = { 'az1-store-1': 0, 'az2-store-2': 10, 'az3-store-1': 8, 'az1-store-2': 6 };
  const of = (id: string): number => match[id] ?? 0;
  // 3 storage replicas, one of them down: the leader (10) and one follower (8) commit 8
  assert.equal(quorumValue(staticMembers(S), of), 8);
  // 4 members (the log replica added, the down replica still in): 3 of them have 6
  assert.equal(quorumValue(withL, of), 6);
  // the down replica removed: 2 of the 3 left have 8
  assert.equal(quorumValue(replaced, of), 8);
  // two of four down: nothing beyond what 3 have
  assert.equal(
    quorumValue(withL, (id) => (id === 'az2-store-2' ? 10 : id === 'az3-store-1' ? 9 : 0)),
    0,
  );
  // leases and check-quorum: the latest send time a majority confirmed (the leader counts as always)
  const at: Record<string, number> = { 'az2-store-2': Number.POSITIVE_INFINITY, 'az3-store-1': 100, 'az1-store-2': 50 };
  assert.equal(
    quorumValue(withL, (id) => at[id] ?? Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY),
    50,
  );
  assert.equal(
    quorumValue(replaced, (id) => at[id] ?? Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY),
    100,
  );
});

test('a candidate counts the votes of its current membership only, a log replica among them, each once', () => {
  // static three: a log replica's grant counts for nothing
  const plain = new VoteTally(staticMembers(S));
  assert.equal(plain.grant('az2-store-2'), false);
  assert.equal(plain.grant(L.id), false);
  assert.equal(plain.count, 1);
  assert.equal(plain.grant('az3-store-1'), true);
  // the down replica replaced: the candidate and the log replica are a majority
  const t = new VoteTally(replaced);
  assert.equal(t.grant('az3-store-1'), false);
  assert.equal(t.grant('az3-store-1'), false, 'one vote per member');
  assert.equal(t.grant('az1-store-1'), false, 'the removed replica counts for nothing');
  assert.equal(t.grant(L.id), true);
  // four members: two are not enough
  const four = new VoteTally(withL);
  four.grant('az3-store-1');
  assert.equal(four.grant(L.id), false);
  assert.equal(four.grant('az2-store-2'), true);
});

test('a config entry changes one member', () => {
  assert.deepEqual(singleChange(staticMembers(S), withL), { added: L });
  assert.deepEqual(singleChange(withL, replaced), { removed: { id: 'az1-store-1', kind: 'storage' } });
  assert.ok('problem' in singleChange(staticMembers(S), replaced));
});

test("a log replica's log applies nothing; its scrub replays the committed prefix to the same checksum", () => {
  const full = logOf(entries);
  const logOnly = logOf(entries, { applies: false });
  full.commitTo(4);
  logOnly.commitTo(4);
  assert.equal(logOnly.committed.size, 0);
  assert.equal(logOnly.appliedSeq, 4);
  assert.deepEqual(logOnly.replay(4), full.committed);
  assert.equal(checksumOf(logOnly.replay(logOnly.commitSeq)), full.checksum());
  assert.notEqual(checksumOf(logOnly.replay(1)), full.checksum());
});
