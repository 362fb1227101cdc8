import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkLostWrites, type LostWrite } from './lost-writes.ts';
import { finalRead, hist, type Line } from './test-history.ts';

const lostOf = (lines: Line[]): LostWrite[] => {
  const r = checkLostWrites(hist(lines));
  return (r.details?.['lost'] ?? []) as LostWrite[];
};
const verdict = (lines: Line[]) => checkLostWrites(hist(lines)).verdict;

test('passes: the final read shows the last acknowledged write', () => {
  assert.equal(
    verdict([['i', 0, 'write', 'k', 1], ['ok', 0, 'write', 'k', 1], ['i', 0, 'write', 'k', 2], ['ok', 0, 'write', 'k', 2], ...finalRead(9, 'k', 2)]),
    'pass',
  );
});

test('passes: concurrent writes may be read in either order', () => {
  const conc = (v: number): Line[] => [
    ['i', 0, 'write', 'k', 1],
    ['i', 1, 'write', 'k', 2],
    ['ok', 0, 'write', 'k', 1],
    ['ok', 1, 'write', 'k', 2],
    ...finalRead(9, 'k', v),
  ];
  assert.equal(verdict(conc(1)), 'pass');
  assert.equal(verdict(conc(2)), 'pass');
});

test('passes: an info write may show up later, even after a later acknowledged write', () => {
  assert.equal(
    verdict([['i', 0, 'write', 'k', 1], ['info', 0, 'write', 'k', 1], ['i', 1, 'write', 'k', 2], ['ok', 1, 'write', 'k', 2], ...finalRead(9, 'k', 1)]),
    'pass',
  );
});

test('passes: delete then absent; untouched key absent; cas result', () => {
  assert.equal(
    verdict([['i', 0, 'write', 'k', 1], ['ok', 0, 'write', 'k', 1], ['i', 0, 'delete', 'k', null], ['ok', 0, 'delete', 'k', null], ...finalRead(9, 'k', null)]),
    'pass',
  );
  assert.equal(verdict([...finalRead(9, 'k', null)]), 'pass');
  assert.equal(
    verdict([['i', 0, 'write', 'k', 1], ['ok', 0, 'write', 'k', 1], ['i', 0, 'cas', 'k', [1, 5]], ['ok', 0, 'cas', 'k', [1, 5]], ...finalRead(9, 'k', 5)]),
    'pass',
  );
});

test('a written key without a final read makes the verdict unknown, not pass (its writes may be lost)', () => {
  const r = checkLostWrites(hist([['i', 0, 'write', 'a', 1], ['ok', 0, 'write', 'a', 1], ...finalRead(9, 'b', null)]));
  assert.equal(r.verdict, 'unknown');
  assert.equal(r.details?.['keysWithoutFinalRead'], 1);
  assert.match(r.summary, /1 written key\(s\) had no final read/);
});

test('a history with no final reads at all (a killed run) decides nothing: unknown, with the reason', () => {
  const r = checkLostWrites(
    hist([
      ['i', 0, 'write', 'a', 1],
      ['ok', 0, 'write', 'a', 1],
      ['i', 1, 'write', 'b', 2],
      ['ok', 1, 'write', 'b', 2],
    ]),
  );
  assert.equal(r.verdict, 'unknown');
  assert.equal(r.details?.['keysChecked'], 0);
  assert.match(r.summary, /nothing to decide: 2 written key\(s\) and no final read/);
});

test('an empty history decides nothing', () => {
  const r = checkLostWrites([]);
  assert.equal(r.verdict, 'unknown');
  assert.match(r.summary, /no key was written and read back/);
});

test('fails: the final read shows an older value, naming key, source and lost write', () => {
  const lost = lostOf([['i', 0, 'write', 'k', 1], ['ok', 0, 'write', 'k', 1], ['i', 0, 'write', 'k', 2], ['ok', 0, 'write', 'k', 2], ...finalRead(9, 'k', 1)]);
  assert.equal(lost.length, 1);
  const l = lost[0]!;
  assert.equal(l.key, 'k');
  assert.equal(l.finalValue, 1);
  assert.deepEqual(
    l.lostWrites.map((w) => w.value),
    [2],
  );
  assert.ok(l.staleSource !== null && l.staleSource !== 'initial' && l.staleSource.value === 1);
});

test('fails: a failed write never counts as the source', () => {
  const lost = lostOf([
    ['i', 0, 'write', 'k', 1],
    ['ok', 0, 'write', 'k', 1],
    ['i', 0, 'write', 'k', 2],
    ['fail', 0, 'write', 'k', 2],
    ['i', 0, 'write', 'k', 3],
    ['ok', 0, 'write', 'k', 3],
    ...finalRead(9, 'k', 2),
  ]);
  assert.equal(lost[0]?.staleSource, null);
  assert.deepEqual(
    lost[0]?.lostWrites.map((w) => w.value),
    [3],
  );
});

test('fails: a value no write produced', () => {
  const r = checkLostWrites(hist([['i', 0, 'write', 'k', 1], ['ok', 0, 'write', 'k', 1], ...finalRead(9, 'k', 42)]));
  assert.equal(r.verdict, 'fail');
  assert.match(r.summary, /"k"/);
  const l = (r.details?.['lost'] as LostWrite[])[0]!;
  assert.equal(l.staleSource, null);
  assert.deepEqual(
    l.lostWrites.map((w) => w.value),
    [1],
  );
});

test('fails: absent after an acknowledged put', () => {
  const lost = lostOf([['i', 0, 'write', 'x', 'a'], ['ok', 0, 'write', 'x', 'a'], ...finalRead(9, 'x', null)]);
  assert.equal(lost[0]?.key, 'x');
  assert.equal(lost[0]?.staleSource, 'initial');
  assert.deepEqual(
    lost[0]?.lostWrites.map((w) => w.value),
    ['a'],
  );
});

test('fails: a delete overtaken by a later acknowledged put', () => {
  const lost = lostOf([
    ['i', 0, 'delete', 'k', null],
    ['ok', 0, 'delete', 'k', null],
    ['i', 0, 'write', 'k', 7],
    ['ok', 0, 'write', 'k', 7],
    ...finalRead(9, 'k', null),
  ]);
  assert.equal(lost[0]?.key, 'k');
  assert.deepEqual(
    lost[0]?.lostWrites.map((w) => w.value),
    [7],
  );
});

test('only the last final read of a key counts', () => {
  const lines: Line[] = [['i', 0, 'write', 'k', 1], ['ok', 0, 'write', 'k', 1], ...finalRead(8, 'k', null), ...finalRead(9, 'k', 1)];
  assert.equal(verdict(lines), 'pass');
});

test('a stale final read is told from a lost write by what the replicas hold', () => {
  const h = hist([['i', 0, 'write', 'k', 1], ['ok', 0, 'write', 'k', 1], ['i', 0, 'write', 'k', 2], ['ok', 0, 'write', 'k', 2], ...finalRead(9, 'k', 1)]);
  // a replica has the acknowledged 2: the read was stale, nothing was lost
  const stale = checkLostWrites(h, {
    k: [
      { nodeId: 'n1', value: '1' },
      { nodeId: 'n2', value: 2 as unknown as string },
      { nodeId: 'n3', value: '1' },
    ],
  });
  assert.equal(stale.verdict, 'fail');
  const l = (stale.details?.['lost'] as LostWrite[])[0]!;
  assert.equal(l.kind, 'stale-read');
  assert.deepEqual(
    l.replicas?.map((r) => [r.nodeId, r.legal]),
    [
      ['n1', false],
      ['n2', true],
      ['n3', false],
    ],
  );
  assert.match(stale.summary, /^stale final read on 1 key\(s\), no write lost: key "k" read 1 while replica n2 holds 2/);
  assert.doesNotMatch(stale.summary, /lost on/);
  // no replica has it: lost, and the summary says the replicas were asked
  const gone = checkLostWrites(h, {
    k: [
      { nodeId: 'n1', value: 1 as unknown as string },
      { nodeId: 'n2', value: 1 as unknown as string },
    ],
  });
  assert.equal((gone.details?.['lost'] as LostWrite[])[0]?.kind, 'lost');
  assert.match(gone.summary, /^1 acknowledged write\(s\) lost on 1 key\(s\), and no replica has them/);
  // replicas not asked: lost, as before
  assert.equal((checkLostWrites(h).details?.['lost'] as LostWrite[])[0]?.kind, 'lost');
});

test("names every lost write: key, value, when it was sent and acknowledged, earliest acknowledgement first (after Jepsen's Redis analyses)", () => {
  const fin = { final: true, consistency: 'strong' } as const;
  const finalAt = (k: string, v: string | null, t: number): Line[] => [
    ['i', 9, 'read', k, null, t, fin],
    ['ok', 9, 'read', k, v, t + 1, fin],
  ];
  const r = checkLostWrites(
    hist([
      ['i', 0, 'write', 'a', 'a1', 1000],
      ['ok', 0, 'write', 'a', 'a1', 1500],
      ['i', 1, 'write', 'b', 'b1', 900],
      ['ok', 1, 'write', 'b', 'b1', 1200],
      ['i', 2, 'cas', 'a', ['a1', 'a2'], 2000],
      ['ok', 2, 'cas', 'a', ['a1', 'a2'], 2250],
      ['i', 3, 'write', 'c', 'c1', 2100],
      ['ok', 3, 'write', 'c', 'c1', 2200],
      ...finalAt('a', 'a1', 9000),
      ...finalAt('b', null, 9010),
      ...finalAt('c', 'c1', 9020),
    ]),
  );
  assert.equal(r.verdict, 'fail');
  assert.deepEqual(r.details?.['lostAcknowledged'], [
    { key: 'b', f: 'write', value: 'b1', process: 1, invokedAtMs: 900, acknowledgedAtMs: 1200, finalValue: null },
    { key: 'a', f: 'cas', value: 'a2', process: 2, invokedAtMs: 2000, acknowledgedAtMs: 2250, finalValue: 'a1' },
  ]);
  assert.equal(r.details?.['lostAcknowledgedCount'], 2);
  assert.match(r.summary, /^2 acknowledged write\(s\) lost on 2 key\(s\), acknowledged from \+1\.2s to \+2\.3s into the run; first: key "a"/);
  // a stale read is not a lost write: not listed
  const stale = checkLostWrites(
    hist([['i', 0, 'write', 'k', 1], ['ok', 0, 'write', 'k', 1], ['i', 0, 'write', 'k', 2], ['ok', 0, 'write', 'k', 2], ...finalRead(9, 'k', 1)]),
    { k: [{ nodeId: 'n1', value: 2 as unknown as string }] },
  );
  assert.deepEqual(stale.details?.['lostAcknowledged'], []);
});
