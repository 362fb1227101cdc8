// Check wal-reference over WAL files written by the nodes' own Wal class in a run
// folder's layout (nodes/<id>/data/<group>.wal); each live digest is what a node
// computes from its WAL (ReplicaLog, replica.ts).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ReplicaDigest } from '../target.ts';
import { checkRunArchive, findArchives } from './reference-replica.ts';
import { ReplicaLog } from './replica.ts';
import { Wal, type Entry } from './wal.ts';

const put = (seq: number, term: number, key: string, value: string): Entry => ({ seq, term, cmd: { op: 'put', key, value } });
const base: Entry[] = [
  { seq: 1, term: 1, cmd: { op: 'noop' } },
  put(2, 1, 'a', 'a1'),
  put(3, 1, 'b', 'b1'),
  { seq: 4, term: 1, cmd: { op: 'delete', key: 'a' } },
  put(5, 1, 'c', 'c1'),
  put(6, 1, 'b', 'b2'),
];
const NODES = ['n1', 'n2', 'n3'];

async function writeWal(runDir: string, node: string, entries: readonly Entry[], group = 'g0', format: 1 | 2 = 1): Promise<string> {
  const dir = join(runDir, 'nodes', node, 'data');
  mkdirSync(dir, { recursive: true });
  const wal = new Wal(join(dir, `${group}.wal`), { format });
  await wal.open();
  await wal.append(entries);
  await wal.close();
  return join(dir, `${group}.wal`);
}

/** What the node would report at the scrub: its WAL replayed to `applied` (its own checksum function). */
function digestOf(runDir: string, node: string, applied: number, commitSeq = applied, group = 'g0'): ReplicaDigest {
  const log = new ReplicaLog(group, join(runDir, 'nodes', node, 'data'), {});
  log.commitTo(applied);
  return { group, nodeId: node, appliedSeq: log.appliedSeq, commitSeq, checksum: log.checksum(), keys: log.committed.size };
}

async function cluster(entries: readonly Entry[] = base): Promise<{ runDir: string; digests: ReplicaDigest[] }> {
  const runDir = mkdtempSync(join(tmpdir(), 'gameday-refscrub-'));
  for (const n of NODES) await writeWal(runDir, n, entries);
  return { runDir, digests: NODES.map((n) => digestOf(runDir, n, entries.length)) };
}

/** Rewrites line `seq` of a WAL file (1-based, one entry a line). */
function editLine(path: string, seq: number, edit: (line: string) => string | undefined): void {
  const lines = readFileSync(path, 'utf8').split('\n');
  const e = edit(lines[seq - 1] as string);
  if (e === undefined) lines.splice(seq - 1, 1);
  else lines[seq - 1] = e;
  writeFileSync(path, lines.join('\n'));
}
const walOf = (runDir: string, node: string, group = 'g0'): string => join(runDir, 'nodes', node, 'data', `${group}.wal`);

test('replicas whose state follows the archived WALs match the reference replica', async () => {
  const { runDir, digests } = await cluster();
  assert.equal(findArchives(runDir).length, 3);
  const r = checkRunArchive(runDir, { digests });
  assert.equal(r.verdict, 'pass', r.summary);
  assert.match(r.summary, /all 1 groups: 3 replicas match the reference replicas rebuilt from 3 archived WALs \(committed through seq 6\.\.6\)/);
});

test('a replica behind the others is compared at its own appliedSeq', async () => {
  const { runDir, digests } = await cluster();
  const behind = [digestOf(runDir, 'n1', 4, 6), ...digests.slice(1)];
  assert.equal(checkRunArchive(runDir, { digests: behind }).verdict, 'pass');
  // ...and a wrong checksum at that seq fails, naming it
  const wrong = [{ ...digestOf(runDir, 'n1', 4, 6), checksum: digests[0]?.checksum as string }, ...digests.slice(1)];
  const r = checkRunArchive(runDir, { digests: wrong });
  assert.equal(r.verdict, 'fail');
  assert.match(r.summary, /group g0: replica n1 at seq 4 has checksum/);
});

test('a changed value in one line of one archive: two commands under the same (seq, term), named', async () => {
  const { runDir, digests } = await cluster();
  editLine(walOf(runDir, 'n2'), 3, (l) => l.replace('"b1"', '"XX"'));
  const r = checkRunArchive(runDir, { digests });
  assert.equal(r.verdict, 'fail', r.summary);
  assert.match(r.summary, /1 conflict .*group g0: seq 3 term 1 holds different commands: put "b"="b1" \(n1, n3\) vs put "b"="XX" \(n2\)/);
});

test('the same entry changed in every archive: the live replicas do not match; the final reads name the key and its seq', async () => {
  const { runDir, digests } = await cluster();
  for (const n of NODES) editLine(walOf(runDir, n), 5, (l) => l.replace('"c1"', '"XX"'));
  const finalValues = new Map<string, string | null>([
    ['a', null],
    ['b', 'b2'],
    ['c', 'c1'],
  ]);
  const r = checkRunArchive(runDir, { digests, finalValues });
  assert.equal(r.verdict, 'fail', r.summary);
  assert.match(r.summary, /^3 mismatches .*group g0: replica n1 at seq 6 has checksum [0-9a-f]+ \(2 keys\), the reference replica [0-9a-f]+ \(2 keys\)/);
  assert.match(
    r.summary,
    /first differing key "c": the reference has "XX" from seq 5 \(term 1, put "c"="XX", archived by n1, n2, n3\), the final read saw "c1"/,
  );
  const problems = (r.details?.['problems'] ?? []) as { kind: string; group: string; node: string; seq: number }[];
  assert.deepEqual(
    problems.map((p) => [p.kind, p.group, p.node, p.seq]),
    NODES.map((n) => ['mismatch', 'g0', n, 5]),
  );
  // without final reads it still fails, at the replica's seq
  assert.equal(checkRunArchive(runDir, { digests }).verdict, 'fail');
});

test('a committed line deleted from every archive is a gap, named', async () => {
  const { runDir, digests } = await cluster();
  for (const n of NODES) editLine(walOf(runDir, n), 4, () => undefined);
  const r = checkRunArchive(runDir, { digests });
  assert.equal(r.verdict, 'fail', r.summary);
  assert.match(r.summary, /^1 gap .*group g0: seq 4 committed \(a replica reported seq 6 committed\) but in none of its 3 archived WALs \(n1, n2, n3\)/);
  // deleted from one archive only: the others hold it
  const other = await cluster();
  editLine(walOf(other.runDir, 'n1'), 4, () => undefined);
  assert.equal(checkRunArchive(other.runDir, { digests: other.digests }).verdict, 'pass');
});

test('committed entries past the end of every archive (never written out) are a gap', async () => {
  const { runDir } = await cluster(base.slice(0, 4));
  const digests = NODES.map((n) => ({ ...digestOf(runDir, n, 4), appliedSeq: 6, commitSeq: 6 }));
  const r = checkRunArchive(runDir, { digests });
  assert.equal(r.verdict, 'fail');
  assert.match(r.summary, /group g0: seqs 5\.\.6 committed .*: not on any disk \(the end of the committed log\)/);
});

test('two leaders of one term: the same seq and term with different commands fails (written by two Wal instances)', async () => {
  const runDir = mkdtempSync(join(tmpdir(), 'gameday-refscrub-'));
  const prefix = base.slice(0, 3);
  await writeWal(runDir, 'n1', [...prefix, put(4, 2, 'x', 'from-n1')]);
  await writeWal(runDir, 'n2', [...prefix, put(4, 2, 'x', 'from-n1')]);
  await writeWal(runDir, 'n3', [...prefix, put(4, 2, 'x', 'from-n3')]);
  const digests = NODES.map((n) => digestOf(runDir, n, 4));
  const r = checkRunArchive(runDir, { digests });
  assert.equal(r.verdict, 'fail');
  assert.match(r.summary, /group g0: seq 4 term 2 holds different commands: put "x"="from-n1" \(n1, n2\) vs put "x"="from-n3" \(n3\)/);
  // and n3's state (from its own WAL) does not match the reference (n1's and n2's entry)
  assert.match(
    JSON.stringify(r.details?.['problems']),
    /replica n3 at seq 4 .*its own WAL differs from the reference at seq 4: term 2 put \\"x\\"=\\"from-n3\\" vs term 2 put \\"x\\"=\\"from-n1\\"/,
  );
});

test('two leaders of one term whose no-ops (each naming its leader) share a seq: a conflict, though neither changes a key', async () => {
  const runDir = mkdtempSync(join(tmpdir(), 'gameday-refscrub-'));
  const prefix = base.slice(0, 3);
  const noop = (leader: string): Entry => ({ seq: 4, term: 2, cmd: { op: 'noop', leader } });
  await writeWal(runDir, 'n1', [...prefix, noop('n1')]);
  await writeWal(runDir, 'n2', [...prefix, noop('n2')]);
  await writeWal(runDir, 'n3', [...prefix, noop('n2')]);
  const r = checkRunArchive(runDir, { digests: NODES.map((n) => digestOf(runDir, n, 4)) });
  assert.equal(r.verdict, 'fail');
  assert.match(r.summary, /group g0: seq 4 term 2 holds different commands: no-op of leader n1 \(n1\) vs no-op of leader n2 \(n2, n3\)/);
  // one leader's no-op in every archive: no conflict
  const one = mkdtempSync(join(tmpdir(), 'gameday-refscrub-'));
  for (const n of NODES) await writeWal(one, n, [...prefix, noop('n1')]);
  assert.equal(checkRunArchive(one, { digests: NODES.map((n) => digestOf(one, n, 4)) }).verdict, 'pass');
});

test('an uncommitted lower-term tail on a deposed replica is replaced by the higher term: pass', async () => {
  const runDir = mkdtempSync(join(tmpdir(), 'gameday-refscrub-'));
  const committed = base.slice(0, 4);
  // n1 led term 1 and wrote 5, 6 without a quorum; n2 won term 2 and wrote its own 5..7
  await writeWal(runDir, 'n1', [...committed, put(5, 1, 'z', 'lost'), put(6, 1, 'z', 'lost2')]);
  const newer = [...committed, { seq: 5, term: 2, cmd: { op: 'noop' } } as Entry, put(6, 2, 'b', 'b3'), put(7, 2, 'c', 'c2')];
  await writeWal(runDir, 'n2', newer);
  await writeWal(runDir, 'n3', newer);
  // n1 applied only the committed prefix (it was cut off before catching up)
  const digests = [digestOf(runDir, 'n1', 4, 4), digestOf(runDir, 'n2', 7), digestOf(runDir, 'n3', 7)];
  const r = checkRunArchive(runDir, { digests });
  assert.equal(r.verdict, 'pass', r.summary);
});

test('v2 WAL lines (with their checksums) read the same; a damaged v2 line in one archive is covered by the others', async () => {
  const runDir = mkdtempSync(join(tmpdir(), 'gameday-refscrub-'));
  for (const n of NODES) await writeWal(runDir, n, base, 'g0', 2);
  const digests = NODES.map((n) => digestOf(runDir, n, base.length));
  assert.equal(checkRunArchive(runDir, { digests }).verdict, 'pass');
  editLine(walOf(runDir, 'n1'), 3, (l) => l.replace('"b1"', '"XX"'));
  const r = checkRunArchive(runDir, { digests });
  assert.equal(r.verdict, 'pass', r.summary);
  const [g0] = (r.details?.['groups'] ?? []) as { archives: { node: string; stopped?: unknown }[] }[];
  assert.ok(g0);
  assert.deepEqual(g0.archives[0], { node: 'n1', file: join('nodes', 'n1', 'data', 'g0.wal'), entries: 2, stopped: { line: 3, reason: 'checksum' } });
});

test('no archive, or no digests: unknown, never pass', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'gameday-refscrub-'));
  const { runDir, digests } = await cluster();
  const none = checkRunArchive(empty, { digests });
  assert.equal(none.verdict, 'unknown');
  assert.match(none.summary, /no archived WAL in the run folder/);
  assert.equal(checkRunArchive(runDir, { digests: [] }).verdict, 'unknown');
});

test('.logwal files (log replicas) count as archives', async () => {
  const { runDir, digests } = await cluster();
  for (const n of NODES) editLine(walOf(runDir, n), 4, () => undefined);
  const dir = join(runDir, 'nodes', 'w1', 'data');
  mkdirSync(dir, { recursive: true });
  const w = new Wal(join(dir, 'g0.logwal'));
  await w.open();
  await w.append(base);
  await w.close();
  const r = checkRunArchive(runDir, { digests });
  assert.equal(r.verdict, 'pass', r.summary);
  assert.match(r.summary, /from 4 archived WALs/);
});
