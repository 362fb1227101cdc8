// test: game-days (runs local game days; see test/run-tests.mjs)
// End to end: check wal-reference (the live replicas match a reference replica rebuilt
// offline from the archived WALs). A short power-off game day passes it, and so does
// `gameday check` on its run folder (from scrub.json and nodes/<id>/data/*.wal); a
// committed entry changed in every archive, or a committed line removed from every
// archive, makes `gameday check` exit 1 naming the group and the seq. Under skip-fsync a
// power cut of every storage node loses acknowledged writes from every replica at once:
// no WAL holds them, so the replicas still match the archive (lost-writes is the check
// that fails), and the test makes sure no archive holds a lost write.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RunResult } from '../harness/runner/result.ts';
import type { Entry } from '../targets/reference/wal.ts';
import { gameday } from './cli.ts';

const env = { GAMEDAY_STATE_DIR: join(tmpdir(), 'gameday-e2e-state') };
const tmp = (): string => join(mkdtempSync(join(tmpdir(), 'gameday-walref-')), 'run');
const verdicts = (r: RunResult): string => r.checks.map((c) => `${c.name}: ${c.verdict} ${c.summary}`).join('\n');

interface GroupDetail {
  group: string;
  committedTo: number;
  gaps: [number, number][];
  replicas: { node: string; match: boolean }[];
}
type Check = RunResult['checks'][number] & { groups?: GroupDetail[]; problems?: { kind: string; group: string; seq: number }[] };

/** Every archived WAL of a group in the run folder: its path and its lines. */
function archives(out: string, group: string): { path: string; lines: string[] }[] {
  const nodes = join(out, 'nodes');
  return readdirSync(nodes)
    .map((n) => join(nodes, n, 'data', `${group}.wal`))
    .filter((p) => existsSync(p))
    .map((path) => ({ path, lines: readFileSync(path, 'utf8').split('\n') }));
}
const entryOf = (line: string): Entry | undefined => (line ? (JSON.parse(line) as Entry) : undefined);

/** `gameday check --json` on the run folder: its exit code and its wal-reference result. */
async function check(out: string): Promise<{ code: number | null; wal: Check | undefined; stdout: string }> {
  const r = await gameday(['check', out, '--json'], { env });
  const j = JSON.parse(r.stdout) as { checks: (Check & { details?: Record<string, unknown> })[] };
  const c = j.checks.find((x) => x.name === 'wal-reference');
  // as in result.json: the details beside name, verdict and summary
  return { code: r.code, wal: c ? ({ ...c.details, ...c } as Check) : undefined, stdout: r.stdout.slice(0, 3000) + r.stderr.slice(-2000) };
}

test('a power-off game day passes wal-reference; gameday check fails its run folder once an archived committed entry is changed or removed everywhere', {
  timeout: 180_000,
}, async () => {
  const out = tmp();
  const r = await gameday(['run', 'test/fixtures/short-power-off.yaml', '--seed', '1', '--out', out, '--quiet', '--json'], { env });
  assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout.slice(0, 3000)}\n${r.stderr.slice(-2000)}`);
  const result = JSON.parse(r.stdout) as RunResult;
  assert.equal(result.verdict, 'pass', verdicts(result));
  const wal = result.checks.find((c) => c.name === 'wal-reference') as Check | undefined;
  assert.equal(wal?.verdict, 'pass', verdicts(result));
  assert.match(wal.summary, /^all 6 groups: 18 replicas match the reference replicas rebuilt from 18 archived WALs/);
  assert.ok(existsSync(join(out, 'scrub.json')), 'the run saved its digests');
  assert.match(readFileSync(join(out, 'junit.xml'), 'utf8'), /name="wal-reference"/);

  // offline, from the run folder alone
  const again = await check(out);
  assert.equal(again.code, 0, again.stdout);
  assert.equal(again.wal?.verdict, 'pass', again.stdout);

  // the group with the longest log; its last put of a key no later entry touches (the key's value in every replica)
  const g = [...(wal.groups ?? [])].sort((a, b) => b.committedTo - a.committedTo)[0] as GroupDetail;
  const files = archives(out, g.group);
  assert.equal(files.length, 3);
  const log = (files[0]?.lines ?? []).map(entryOf).filter((e): e is Entry => e !== undefined && e.seq <= g.committedTo);
  const touches = (e: Entry, key: string): boolean => 'key' in e.cmd && e.cmd.key === key;
  const victim = [...log].reverse().find((e) => e.cmd.op === 'put' && !log.some((l) => l.seq > e.seq && touches(l, (e.cmd as { key: string }).key)));
  assert.ok(victim && victim.cmd.op === 'put', `a put in ${g.group}`);
  const original = files.map((f) => readFileSync(f.path, 'utf8'));
  for (const f of files) {
    const i = f.lines.findIndex((l) => entryOf(l)?.seq === victim.seq);
    assert.ok(i >= 0, `${f.path} holds seq ${victim.seq}`);
    const e = entryOf(f.lines[i] as string) as Entry;
    f.lines[i] = JSON.stringify({ ...e, cmd: { ...e.cmd, value: `${victim.cmd.value}-corrupted` } });
    writeFileSync(f.path, f.lines.join('\n'));
  }
  const corrupted = await check(out);
  assert.equal(corrupted.code, 1, corrupted.stdout);
  assert.equal(corrupted.wal?.verdict, 'fail', corrupted.stdout);
  assert.match(corrupted.wal.summary, new RegExp(`^3 mismatches .*group ${g.group}: replica \\S+ at seq ${g.committedTo} `));
  assert.match(corrupted.wal.summary, new RegExp(`first differing key ${JSON.stringify(victim.cmd.key)}: .* from seq ${victim.seq} `));
  assert.deepEqual(
    (corrupted.wal.problems ?? []).map((p) => [p.kind, p.group, p.seq]),
    [0, 1, 2].map(() => ['mismatch', g.group, victim.seq]),
  );

  // back as it was, then a committed line (seq 2) removed from every archive: a gap
  for (const [i, f] of files.entries()) writeFileSync(f.path, original[i] as string);
  assert.equal((await check(out)).code, 0);
  for (const [i, f] of files.entries())
    writeFileSync(
      f.path,
      (original[i] as string)
        .split('\n')
        .filter((l) => entryOf(l)?.seq !== 2)
        .join('\n'),
    );
  const gap = await check(out);
  assert.equal(gap.code, 1, gap.stdout);
  assert.match(gap.wal?.summary ?? '', new RegExp(`^1 gap.*group ${g.group}: seq 2 committed .* but in none of its 3 archived WALs`));
});

test('skip-fsync, a power cut of every storage node (seed 11): acknowledged writes lost from every replica, in no WAL; the replicas match what reached disk', {
  timeout: 180_000,
}, async () => {
  const out = tmp();
  const r = await gameday(['run', 'test/fixtures/short-power-cut.yaml', '--seed', '11', '--bug', 'skip-fsync', '--out', out, '--quiet', '--json'], { env });
  assert.equal(r.code, 1, `exit ${r.code}\n${r.stdout.slice(0, 3000)}\n${r.stderr.slice(-2000)}`);
  const result = JSON.parse(r.stdout) as RunResult;
  const lost = result.checks.find((c) => c.name === 'lost-writes') as (Check & { lostAcknowledged?: { key: string; value: unknown }[] }) | undefined;
  assert.equal(lost?.verdict, 'fail', verdicts(result));
  const wal = result.checks.find((c) => c.name === 'wal-reference') as Check | undefined;
  assert.ok(wal, verdicts(result));
  // never a mismatch or a conflict: every replica's state is its WAL's; the only thing that can be
  // missing is a tail the run's end cut off (SIGKILL) before the 5 s flush wrote it out
  for (const p of wal.problems ?? []) assert.equal(p.kind, 'gap', wal.summary);
  for (const g of wal.groups ?? []) for (const [, to] of g.gaps) assert.equal(to, g.committedTo, `${g.group}: a gap inside the log: ${wal.summary}`);
  if ((wal.problems ?? []).length === 0) assert.equal(wal.verdict, 'pass', wal.summary);
  // the lost writes are in no archived WAL: the archive cannot show them, lost-writes does
  const all = readdirSync(join(out, 'nodes')).flatMap((n) => {
    const d = join(out, 'nodes', n, 'data');
    return existsSync(d)
      ? readdirSync(d)
          .filter((f) => f.endsWith('.wal'))
          .flatMap((f) => readFileSync(join(d, f), 'utf8').split('\n'))
      : [];
  });
  const held = new Set(all.map(entryOf).flatMap((e) => (e?.cmd.op === 'put' ? [`${e.cmd.key}\u0000${e.cmd.value}`] : [])));
  const acked = lost.lostAcknowledged ?? [];
  assert.ok(acked.length > 0, lost.summary);
  for (const w of acked)
    if (typeof w.value === 'string') assert.ok(!held.has(`${w.key}\u0000${w.value}`), `lost write ${w.key}=${w.value} is in an archived WAL`);
});
