// Check replicas-agree with log replicas: one is compared like any replica, but it
// holds the log only, so it does not make up for a storage replica that did not answer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ReplicaDigest } from '../../targets/target.ts';
import { checkReplicasAgree } from './replicas-agree.ts';

const d = (nodeId: string, kind: 'storage' | 'log' = 'storage', checksum = 'c'): ReplicaDigest => ({
  group: 'g0',
  nodeId,
  appliedSeq: 10,
  checksum,
  keys: 2,
  kind,
});

test('three storage replicas and a log replica that match: pass, and the summary names the log replica', () => {
  const r = checkReplicasAgree([d('a'), d('b'), d('c'), d('l', 'log')]);
  assert.equal(r.verdict, 'pass');
  assert.match(r.summary, /1 log replica\(s\) still live that match them \(g0: l\)/);
});

test('two storage replicas and a log replica: a storage replica is missing (fail), whatever the log replica holds', () => {
  const r = checkReplicasAgree([d('a'), d('b'), d('l', 'log')]);
  assert.equal(r.verdict, 'fail');
  assert.match(r.summary, /only 2 of 3 storage replicas answered the scrub \(and 1 log replica/);
});

test('a log replica whose log replays to another checksum: fail, naming it', () => {
  const r = checkReplicasAgree([d('a'), d('b'), d('c'), d('l', 'log', 'x')]);
  assert.equal(r.verdict, 'fail');
  assert.match(r.summary, /l: seq 10 checksum x/);
});
