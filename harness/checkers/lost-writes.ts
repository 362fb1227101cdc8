// Lost writes: after recovery the harness reads every key once more (strong reads
// marked `final: true`). The value it finds must be one that some write could have
// left last. A write w can be last iff no acknowledged write began after w completed
// (and finished before the final read began). `info` writes may have taken effect at
// any time, so they complete at +Infinity; `fail` writes never happened. The initial
// state (absent, null) behaves as a write that completed at -Infinity.
import type { Op, Value } from '../history/op.ts';
import { byKey, pairCalls, valueKey, writtenValue, type Call } from './calls.ts';
import type { CheckResult } from './check.ts';

/** A write as a person reads it in a report. */
export interface WriteRef {
  readonly f: string;
  readonly value: unknown;
  readonly type: string;
  readonly process: number;
  readonly start: number;
  /** null when it never completed (info). */
  readonly end: number | null;
  readonly invokeIndex: number;
}

export interface LostWrite {
  readonly key: string | null;
  readonly finalValue: Value;
  /** Acknowledged writes that began after the source completed: the final read should show one of them. */
  readonly lostWrites: readonly WriteRef[];
  /** The write whose value the final read showed; 'initial' for the empty start; null if no write produced it. */
  readonly staleSource: WriteRef | 'initial' | null;
  /**
   * `lost`: no replica holds a value the final read could legally have shown (or the
   * replicas were not asked); `stale-read`: a replica holds one (the acknowledged
   * writes survive; the final read did not see them).
   */
  readonly kind: 'lost' | 'stale-read';
  /** What each replica held when asked after the final reads (when it was asked). */
  readonly replicas?: readonly { readonly nodeId: string; readonly value: string | null; readonly legal: boolean }[];
}

/**
 * One acknowledged write that was lost, as a report names it (after Jepsen's analyses
 * of Redis): the key, the value written, when it was sent and when it was
 * acknowledged (ms since the start of the run), and what the final read found instead.
 */
export interface LostAck {
  readonly key: string | null;
  readonly f: string;
  /** The value written (a compare-and-set's new value). */
  readonly value: unknown;
  readonly process: number;
  readonly invokedAtMs: number;
  readonly acknowledgedAtMs: number;
  readonly finalValue: Value;
}

/** At most this many lost writes are listed one by one in the check's details (all are counted). */
export const MAX_LOST_LISTED = 1000;

/** Every acknowledged write of the keys that lost them (not the stale reads), earliest acknowledgement first. */
export function lostAcknowledged(lost: readonly LostWrite[]): LostAck[] {
  const out: LostAck[] = [];
  for (const l of lost) {
    if (l.kind !== 'lost') continue;
    for (const w of l.lostWrites) {
      if (w.end === null) continue;
      const value = w.f === 'cas' && Array.isArray(w.value) ? (w.value as readonly unknown[])[1] : w.value;
      out.push({ key: l.key, f: w.f, value, process: w.process, invokedAtMs: w.start, acknowledgedAtMs: w.end, finalValue: l.finalValue });
    }
  }
  return out.sort((a, b) => a.acknowledgedAtMs - b.acknowledgedAtMs || String(a.key).localeCompare(String(b.key)));
}

const secs = (ms: number): string => `+${(ms / 1000).toFixed(1)}s`;

/** Each replica's own value of a key, read directly after the final reads (replica-reads.json in the run folder). */
export type ReplicaReads = Readonly<Record<string, readonly { readonly nodeId: string; readonly value: string | null }[]>>;

const ref = (c: Call): WriteRef => ({
  f: c.f,
  value: c.input,
  type: c.type,
  process: c.process,
  start: c.start,
  end: Number.isFinite(c.end) ? c.end : null,
  invokeIndex: c.invokeIndex,
});

/** The last final read of a key (by completion time, then history order). */
function lastFinalRead(calls: readonly Call[]): Call | undefined {
  let best: Call | undefined;
  for (const c of calls) {
    if (c.f !== 'read' || c.type !== 'ok' || !c.final) continue;
    if (best === undefined || c.end > best.end || (c.end === best.end && c.completionIndex > best.completionIndex)) best = c;
  }
  return best;
}

/** Checks one key; returns the loss, or undefined if the final value is legal. */
export function checkKey(key: string | undefined, calls: readonly Call[], read: Call): LostWrite | undefined {
  const v = (read.output ?? null) as Value;
  const want = valueKey(v);
  // writes that could have taken effect before the read completed
  const writes = calls.filter((c) => c.type !== 'fail' && c.start < read.end && writtenValue(c) !== undefined);
  // acknowledged writes that surely completed before the read began
  const acked = writes.filter((c) => c.type === 'ok' && c.end < read.start);
  const latestAckStart = acked.reduce((m, c) => Math.max(m, c.start), Number.NEGATIVE_INFINITY);
  let source: Call | undefined;
  for (const w of writes) {
    const wv = writtenValue(w);
    if (wv === undefined || valueKey(wv.v) !== want) continue;
    if (source === undefined || w.end > source.end) source = w;
  }
  if (source !== undefined && !(latestAckStart > source.end)) return undefined;
  if (source === undefined && v === null && acked.length === 0) return undefined; // still the initial state
  const k = key ?? null;
  if (source !== undefined) {
    const end = source.end;
    return { key: k, finalValue: v, staleSource: ref(source), lostWrites: acked.filter((c) => c.start > end).map(ref), kind: 'lost' };
  }
  if (v === null) return { key: k, finalValue: v, staleSource: 'initial', lostWrites: acked.map(ref), kind: 'lost' };
  // a value no write produced: the writes that could each have been last are lost
  const last = acked.filter((c) => !acked.some((d) => d.start > c.end));
  return { key: k, finalValue: v, staleSource: null, lostWrites: last.map(ref), kind: 'lost' };
}

/** A loss is a stale final read when some replica holds a value the final read could legally have shown. */
function classify(l: LostWrite, calls: readonly Call[], read: Call, replicas: ReplicaReads[string] | undefined): LostWrite {
  if (!replicas || replicas.length === 0) return l;
  const judged = replicas.map((r) => ({
    nodeId: r.nodeId,
    value: r.value,
    legal: checkKey(l.key ?? undefined, calls, { ...read, output: r.value }) === undefined,
  }));
  return { ...l, kind: judged.some((r) => r.legal) ? 'stale-read' : 'lost', replicas: judged };
}

export function checkLostWrites(history: readonly Op[], replicaReads?: ReplicaReads): CheckResult {
  const keys = byKey(pairCalls(history));
  const lost: LostWrite[] = [];
  let checked = 0;
  let withoutFinal = 0;
  let appendKeys = 0;
  for (const [key, calls] of keys) {
    if (calls.some((c) => c.f === 'append')) {
      appendKeys++; // append / set keys are the set-full checker's business
      continue;
    }
    const read = lastFinalRead(calls);
    if (read === undefined) {
      if (calls.some((c) => writtenValue(c) !== undefined)) withoutFinal++;
      continue;
    }
    checked++;
    const l = checkKey(key, calls, read);
    if (l !== undefined) lost.push(classify(l, calls, read, key === undefined ? undefined : replicaReads?.[key]));
  }
  const details = { keysChecked: checked, keysWithoutFinalRead: withoutFinal, appendKeysSkipped: appendKeys, lost };
  if (lost.length === 0) {
    // a check that saw nothing decides nothing: a written key with no final read may have lost its writes
    if (checked === 0) {
      const why =
        withoutFinal > 0 ? `${withoutFinal} written key(s) and no final read (the run ended before its final reads?)` : 'no key was written and read back';
      return { name: 'lost-writes', verdict: 'unknown', summary: `nothing to decide: ${why}`, details };
    }
    if (withoutFinal > 0) {
      return {
        name: 'lost-writes',
        verdict: 'unknown',
        summary: `no lost writes on ${checked} key(s) read back, but ${withoutFinal} written key(s) had no final read: their writes may be lost`,
        details,
      };
    }
    return { name: 'lost-writes', verdict: 'pass', summary: `no lost writes on ${checked} key(s)`, details };
  }
  const gone = lost.filter((l) => l.kind === 'lost');
  const stale = lost.filter((l) => l.kind === 'stale-read');
  const parts: string[] = [];
  const acks = lostAcknowledged(gone);
  if (gone.length > 0) {
    const first = gone[0] as LostWrite;
    const n = gone.reduce((s, l) => s + l.lostWrites.length, 0);
    const asked = first.replicas ? `, and no replica has them` : '';
    const a = acks[0];
    const z = acks[acks.length - 1];
    const when =
      a && z
        ? `, acknowledged ${a === z ? `at ${secs(a.acknowledgedAtMs)}` : `from ${secs(a.acknowledgedAtMs)} to ${secs(z.acknowledgedAtMs)}`} into the run`
        : '';
    parts.push(
      `${n} acknowledged write(s) lost on ${gone.length} key(s)${asked}${when}; first: key ${JSON.stringify(first.key)} reads ${JSON.stringify(first.finalValue)} after ${first.lostWrites.length} later acknowledged write(s)`,
    );
  }
  if (stale.length > 0) {
    const first = stale[0] as LostWrite;
    const holder = first.replicas?.find((r) => r.legal);
    parts.push(
      `stale final read on ${stale.length} key(s), no write lost: key ${JSON.stringify(first.key)} read ${JSON.stringify(first.finalValue)} while replica ${holder?.nodeId ?? '?'} holds ${JSON.stringify(holder?.value ?? null)}`,
    );
  }
  const listed = acks.length > MAX_LOST_LISTED ? { lostAcknowledgedListed: MAX_LOST_LISTED } : {};
  return {
    name: 'lost-writes',
    verdict: 'fail',
    summary: parts.join('; '),
    details: {
      ...details,
      lostKeys: gone.length,
      staleReadKeys: stale.length,
      lostAcknowledgedCount: acks.length,
      lostAcknowledged: acks.slice(0, MAX_LOST_LISTED),
      ...listed,
    },
  };
}
