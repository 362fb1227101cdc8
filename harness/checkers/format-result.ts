// Check results as a person reads them on a terminal: one line per check, then the
// witness of each failure (which key, which calls, in what order).
import type { CheckResult } from './check.ts';
import type { LinWitness, CallRef } from './lin-witness.ts';
import type { LostWrite, WriteRef } from './lost-writes.ts';

const MARK = { pass: 'PASS', fail: 'FAIL', unknown: 'UNKNOWN' } as const;
const j = (v: unknown): string => JSON.stringify(v) ?? 'undefined';
const at = (s: number, e: number | null): string => `[${s} .. ${e === null ? 'open' : e}]`;

export function formatCall(c: CallRef): string {
  const what = c.f === 'read' ? `read → ${j(c.result)}` : c.f === 'delete' ? 'delete' : `${c.f} ${j(c.value)}`;
  return `#${c.index} p${c.process} ${what} (${c.type}) ${at(c.start, c.end)}`;
}

const formatWrite = (w: WriteRef): string => `#${w.invokeIndex} p${w.process} ${w.f} ${j(w.value)} (${w.type}) ${at(w.start, w.end)}`;

function linText(w: LinWitness): string[] {
  const from = w.windowFrom === 'any-state' ? 'whatever state the calls before it left' : 'the start of the history';
  const window =
    w.windowFrom === 'search-frontier'
      ? [
          `  whole map: calls pending where the search got furthest, none of which can be ordered so that it completes;`,
          `  they touch key(s) ${(w.keys ?? []).map((k) => `${j(k.key)} (= ${j(k.state)})`).join(', ')}:`,
        ]
      : [`  smallest window that cannot be ordered (from ${from}):`];
  return [
    `  key ${j(w.key)}: ${formatCall(w.stuck)} cannot be ordered with the calls before it.`,
    ...window,
    ...w.window.map((c) => `    ${formatCall(c)}`),
    `  longest linearizable prefix: ${w.prefix.calls} call(s), leaving ${j(w.prefix.stateAfter)}; its last steps in order:`,
    ...w.prefix.last.map((c) => `    ${formatCall(c)}`),
  ];
}

function lostText(l: LostWrite): string[] {
  const src = l.staleSource === null ? 'a value no write produced' : l.staleSource === 'initial' ? 'the initial (absent) state' : formatWrite(l.staleSource);
  const word = l.kind === 'stale-read' ? 'not seen' : 'lost';
  return [
    `  key ${j(l.key)}: ${l.kind === 'stale-read' ? 'STALE final read' : 'final read'} ${j(l.finalValue)}, from ${src}`,
    ...(l.replicas ?? []).map((r) => `    replica ${r.nodeId} holds ${j(r.value)}${r.legal ? ' (a value the read could have shown)' : ''}`),
    ...l.lostWrites.slice(0, 10).map((w) => `    ${word}: ${formatWrite(w)}${w.end !== null ? `, acknowledged at ${w.end} ms` : ''}`),
    ...(l.lostWrites.length > 10 ? [`    ... and ${l.lostWrites.length - 10} more`] : []),
  ];
}

export function formatResult(r: CheckResult): string {
  const lines = [`${MARK[r.verdict].padEnd(7)} ${r.name}: ${r.summary}`];
  const d = r.details ?? {};
  if (r.verdict === 'fail' && d['witness'] !== undefined) lines.push(...linText(d['witness'] as LinWitness));
  if (r.verdict === 'fail' && Array.isArray(d['lost']) && r.name === 'lost-writes') {
    for (const l of (d['lost'] as LostWrite[]).slice(0, 5)) lines.push(...lostText(l));
  }
  if (r.verdict === 'fail' && r.name === 'set-full') {
    for (const k of ['lost', 'phantom'] as const) {
      for (const x of ((d[k] ?? []) as Array<{ key: unknown; element: unknown }>).slice(0, 10)) lines.push(`  ${k}: key ${j(x.key)} element ${j(x.element)}`);
    }
  }
  return lines.join('\n');
}
