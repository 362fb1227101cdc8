// Check "wal-reference", the paper's scrub: the live replicas match a reference
// replica built offline from the archived write-ahead-log entries.
//
// After a run, every storage node's WALs (`<group>.wal`, and `<group>.logwal` of log
// replicas: the same line format) are in the run folder under nodes/<id>/data/. For
// each group, from every archive of it, a reference log: at each seq up to C (the
// highest commitSeq a live replica reported at the final scrub), the entry with the
// highest term any archive holds there. Raft's leader completeness makes that the
// committed entry: it is never replaced, every later leader holds it, and what a
// deposed leader wrote there uncommitted has a lower term. The reference log is
// replayed to each live replica's appliedSeq and its checksum (replica.ts, the same
// function the nodes use) compared with the replica's. Fails on:
//   - a mismatch (group, node, seq; the first key the reference and the final reads
//     disagree on, when there is one),
//   - a gap: a seq ≤ C that no archive holds (a committed entry not on any disk:
//     under skip-fsync, acknowledged writes still in a process's buffer when it died),
//   - a conflict: two archives with different commands under the same (seq, term):
//     one leader per term writes one entry per seq, so this is what a split brain leaves.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { ArchiveEvidence, ArchiveVerdict, ReplicaDigest } from '../target.ts';
import { applyCommand, checksumOf } from './replica.ts';
import { readWalFile, type Command, type Entry } from './wal.ts';

export interface Archive {
  readonly node: string;
  readonly group: string;
  /** The file, relative to the run folder. */
  readonly file: string;
  readonly kind: 'wal' | 'logwal';
  readonly entries: readonly Entry[];
  /** Where reading stopped early (a torn or damaged line), when it did. */
  readonly stopped?: { readonly line: number; readonly reason: 'torn' | 'checksum' };
}

/** Every `<group>.wal` / `<group>.logwal` under `<runDir>/nodes/<node>/data/`, read with the nodes' own reader. */
export function findArchives(runDir: string): Archive[] {
  const nodesDir = join(runDir, 'nodes');
  if (!existsSync(nodesDir)) return [];
  const out: Archive[] = [];
  for (const node of readdirSync(nodesDir).sort()) {
    const data = join(nodesDir, node, 'data');
    if (!existsSync(data) || !statSync(data).isDirectory()) continue;
    for (const f of readdirSync(data).sort()) {
      const m = /^(.+)\.(wal|logwal)$/.exec(f);
      if (!m) continue;
      const path = join(data, f);
      const r = readWalFile(path);
      out.push({
        node,
        group: m[1] as string,
        file: relative(runDir, path),
        kind: m[2] as 'wal' | 'logwal',
        entries: r.entries,
        ...(r.stopped ? { stopped: r.stopped } : {}),
      });
    }
  }
  return out;
}

/** An entry of the reference log, and which archives hold it. */
export interface ReferenceEntry extends Entry {
  readonly holders: readonly string[];
}

export interface Conflict {
  readonly group: string;
  readonly seq: number;
  readonly term: number;
  /** Each command and the archives (nodes) holding it. */
  readonly variants: readonly { readonly cmd: Command; readonly nodes: readonly string[] }[];
}

export interface ReferenceLog {
  readonly group: string;
  /** C: the highest commitSeq (or appliedSeq) a live replica reported. */
  readonly committedTo: number;
  /** entries[seq - 1]; undefined at a gap. */
  readonly entries: readonly (ReferenceEntry | undefined)[];
  /** Seqs ≤ C that no archive holds, as inclusive ranges. */
  readonly gaps: readonly (readonly [number, number])[];
  readonly conflicts: readonly Conflict[];
}

const cmdKey = (c: Command): string => JSON.stringify(c);
const showCmd = (c: Command): string =>
  c.op === 'put'
    ? `put ${JSON.stringify(c.key)}=${JSON.stringify(c.value)}`
    : c.op === 'delete'
      ? `delete ${JSON.stringify(c.key)}`
      : c.op === 'noop' && c.leader !== undefined
        ? `no-op of leader ${c.leader}`
        : JSON.stringify(c);
/** The key a command writes (none for a noop, or an entry that is not a write). */
const keyOf = (c: Command): string | undefined => (c.op === 'put' || c.op === 'delete' ? c.key : undefined);

/** The reference log of one group up to `committedTo`, from its archives: at each seq the entry of the highest term. */
export function rebuildReference(group: string, archives: readonly Archive[], committedTo: number): ReferenceLog {
  // seq → term → cmd → nodes
  const bySeq = new Map<number, Map<number, Map<string, { cmd: Command; nodes: string[] }>>>();
  for (const a of archives) {
    if (a.group !== group) continue;
    for (const e of a.entries) {
      if (e.seq > committedTo) continue;
      const terms = bySeq.get(e.seq) ?? new Map<number, Map<string, { cmd: Command; nodes: string[] }>>();
      bySeq.set(e.seq, terms);
      const cmds = terms.get(e.term) ?? new Map<string, { cmd: Command; nodes: string[] }>();
      terms.set(e.term, cmds);
      const k = cmdKey(e.cmd);
      const v = cmds.get(k) ?? { cmd: e.cmd, nodes: [] };
      cmds.set(k, v);
      if (!v.nodes.includes(a.node)) v.nodes.push(a.node);
    }
  }
  const entries: (ReferenceEntry | undefined)[] = [];
  const gaps: [number, number][] = [];
  const conflicts: Conflict[] = [];
  for (let seq = 1; seq <= committedTo; seq++) {
    const terms = bySeq.get(seq);
    if (!terms) {
      const last = gaps[gaps.length - 1];
      if (last && last[1] === seq - 1) last[1] = seq;
      else gaps.push([seq, seq]);
      entries.push(undefined);
      continue;
    }
    for (const [term, cmds] of terms)
      if (cmds.size > 1) conflicts.push({ group, seq, term, variants: [...cmds.values()].map((v) => ({ cmd: v.cmd, nodes: [...v.nodes].sort() })) });
    const top = Math.max(...terms.keys());
    // among conflicting commands the one most archives hold (the conflict fails the check anyway)
    const best = [...(terms.get(top) as Map<string, { cmd: Command; nodes: string[] }>).values()].sort((a, b) => b.nodes.length - a.nodes.length)[0] as {
      cmd: Command;
      nodes: string[];
    };
    entries.push({ seq, term: top, cmd: best.cmd, holders: [...best.nodes].sort() });
  }
  return { group, committedTo, entries, gaps, conflicts };
}

export interface Problem {
  readonly kind: 'gap' | 'conflict' | 'mismatch';
  readonly group: string;
  readonly node?: string;
  readonly seq: number;
  readonly message: string;
}

interface ReplicaFinding {
  readonly node: string;
  readonly appliedSeq: number;
  readonly checksum: string;
  readonly reference?: string;
  readonly match: boolean;
}

const byNumber = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });
const range = ([a, b]: readonly [number, number]): string => (a === b ? `seq ${a}` : `seqs ${a}..${b}`);

/** The check over archives already read (findArchives) and the run's digests. */
export function checkAgainstReference(archives: readonly Archive[], evidence: ArchiveEvidence): ArchiveVerdict {
  const { digests } = evidence;
  if (digests.length === 0) return { verdict: 'unknown', summary: 'no replica digests (the final scrub heard no replica, or scrub.json is missing)' };
  if (archives.length === 0)
    return {
      verdict: 'unknown',
      summary: 'no archived WAL in the run folder (nodes/<id>/data/<group>.wal): nothing to rebuild a reference replica from',
    };
  const groups = [...new Set(digests.map((d) => d.group))].sort(byNumber);
  const problems: Problem[] = [];
  const perGroup: Record<string, unknown>[] = [];
  for (const group of groups) {
    const reps = digests.filter((d) => d.group === group).sort((a, b) => byNumber(a.nodeId, b.nodeId));
    const own = archives.filter((a) => a.group === group);
    const committedTo = Math.max(...reps.map((d) => Math.max(d.commitSeq ?? 0, d.appliedSeq)));
    const ref = rebuildReference(group, own, committedTo);
    for (const g of ref.gaps)
      problems.push({
        kind: 'gap',
        group,
        seq: g[0],
        message: `group ${group}: ${range(g)} committed (a replica reported seq ${committedTo} committed) but in none of its ${own.length} archived WALs (${own.map((a) => a.node).join(', ') || 'none'}): not on any disk${g[1] === committedTo ? ' (the end of the committed log)' : ''}`,
      });
    for (const c of ref.conflicts)
      problems.push({
        kind: 'conflict',
        group,
        seq: c.seq,
        message: `group ${group}: seq ${c.seq} term ${c.term} holds different commands: ${c.variants.map((v) => `${showCmd(v.cmd)} (${v.nodes.join(', ')})`).join(' vs ')} (one leader per term writes one entry per seq: two leaders in term ${c.term}?)`,
      });
    const findings = compareReplicas(ref, reps, own, evidence.finalValues, problems);
    perGroup.push({
      group,
      committedTo,
      archives: own.map((a) => ({ node: a.node, file: a.file, entries: a.entries.length, ...(a.stopped ? { stopped: a.stopped } : {}) })),
      gaps: ref.gaps,
      conflicts: ref.conflicts.length,
      replicas: findings,
    });
  }
  const replicas = digests.length;
  if (problems.length > 0) {
    const first = problems[0] as Problem;
    const kinds = (['mismatch', 'gap', 'conflict'] as const)
      .map((k) => [k, problems.filter((p) => p.kind === k).length] as const)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${n} ${k}${n > 1 ? (k === 'mismatch' ? 'es' : 's') : ''}`);
    return {
      verdict: 'fail',
      summary: `${kinds.join(', ')} against the reference replicas rebuilt from ${archives.length} archived WALs; first: ${first.message}`,
      details: { groups: perGroup, problems },
    };
  }
  const seqs = perGroup.map((g) => g['committedTo'] as number);
  return {
    verdict: 'pass',
    summary: `all ${groups.length} groups: ${replicas} replicas match the reference replicas rebuilt from ${archives.length} archived WALs (committed through seq ${Math.min(...seqs)}..${Math.max(...seqs)})`,
    details: { groups: perGroup },
  };
}

/** Replays the reference log once, comparing each replica at its appliedSeq; a mismatch says what differs. */
function compareReplicas(
  ref: ReferenceLog,
  reps: readonly ReplicaDigest[],
  own: readonly Archive[],
  finalValues: ReadonlyMap<string, string | null> | undefined,
  problems: Problem[],
): ReplicaFinding[] {
  const state = new Map<string, string>();
  const lastWrite = new Map<string, ReferenceEntry>();
  const out: ReplicaFinding[] = [];
  const order = [...reps].sort((a, b) => a.appliedSeq - b.appliedSeq);
  let seq = 0;
  let blocked: number | undefined; // the first gap: the reference cannot be replayed past it
  for (const d of order) {
    while (seq < d.appliedSeq && blocked === undefined) {
      const e = ref.entries[seq];
      if (!e) {
        blocked = seq + 1;
        break;
      }
      applyCommand(state, e.cmd);
      const k = keyOf(e.cmd);
      if (k !== undefined) lastWrite.set(k, e);
      seq++;
    }
    if (blocked !== undefined && d.appliedSeq >= blocked) {
      // the gap is the problem already; this replica cannot be compared
      out.push({ node: d.nodeId, appliedSeq: d.appliedSeq, checksum: d.checksum, match: false });
      continue;
    }
    const sum = checksumOf(state);
    const match = sum === d.checksum;
    out.push({ node: d.nodeId, appliedSeq: d.appliedSeq, checksum: d.checksum, reference: sum, match });
    if (match) continue;
    problems.push({
      kind: 'mismatch',
      group: ref.group,
      node: d.nodeId,
      ...whatDiffers(ref, d, sum, state, lastWrite, own, finalValues, d.appliedSeq === ref.committedTo),
    });
  }
  return out;
}

function whatDiffers(
  ref: ReferenceLog,
  d: ReplicaDigest,
  sum: string,
  state: ReadonlyMap<string, string>,
  lastWrite: ReadonlyMap<string, ReferenceEntry>,
  own: readonly Archive[],
  finalValues: ReadonlyMap<string, string | null> | undefined,
  latest: boolean,
): { seq: number; message: string } {
  const head = `group ${ref.group}: replica ${d.nodeId} at seq ${d.appliedSeq} has checksum ${d.checksum} (${d.keys} keys), the reference replica ${sum} (${state.size} keys)`;
  // the first key the reference and the final reads disagree on (final reads see the latest committed state)
  if (finalValues && latest) {
    for (const [key, e] of [...lastWrite].sort(([a], [b]) => byNumber(a, b))) {
      if (!finalValues.has(key)) continue;
      const want = state.get(key) ?? null;
      const seen = finalValues.get(key) ?? null;
      if (want === seen) continue;
      return {
        seq: e.seq,
        message: `${head}; first differing key ${JSON.stringify(key)}: the reference has ${JSON.stringify(want)} from seq ${e.seq} (term ${e.term}, ${showCmd(e.cmd)}, archived by ${e.holders.join(', ')}), the final read saw ${JSON.stringify(seen)}`,
      };
    }
  }
  // else: the first committed seq where this replica's own WAL differs from the reference log
  const mine = own.find((a) => a.node === d.nodeId && a.kind === 'wal');
  if (mine) {
    const at = new Map(mine.entries.map((e) => [e.seq, e]));
    for (let s = 1; s <= d.appliedSeq; s++) {
      const r = ref.entries[s - 1];
      const m = at.get(s);
      if (!r) break;
      if (!m || m.term !== r.term || cmdKey(m.cmd) !== cmdKey(r.cmd))
        return {
          seq: s,
          message: `${head}; its own WAL differs from the reference at seq ${s}: ${m ? `term ${m.term} ${showCmd(m.cmd)}` : 'missing'} vs term ${r.term} ${showCmd(r.cmd)}`,
        };
    }
  }
  return {
    seq: d.appliedSeq,
    message: `${head}; the archived entries through seq ${d.appliedSeq} do not give the replica's state (no final read or WAL line tells where)`,
  };
}

/** Check "wal-reference" of a run folder: its archived WALs against the digests the run saw. */
export function checkRunArchive(runDir: string, evidence: ArchiveEvidence): ArchiveVerdict {
  return checkAgainstReference(findArchives(runDir), evidence);
}
