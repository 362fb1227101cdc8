// A failed check's witness as a person reads it, without opening result.json: the
// lost writes one by one (key, value, when sent and acknowledged, what the final read
// found, what each replica holds), and for a history that cannot be linearized the
// calls that cannot be ordered (times and values), the call that is stuck, and the
// longest prefix that could be linearized with its last steps.

import type { CallRef, LinWitness } from '../harness/checkers/lin-witness.ts';
import type { LostAck, LostWrite } from '../harness/checkers/lost-writes.ts';
import { esc, jsonBlock, table } from './html.ts';

/** At most this many rows of one table; the rest are counted and left to result.json. */
const ROWS = 50;

const s = (ms: number | null | undefined): string => (ms === null || ms === undefined ? '—' : `+${(ms / 1000).toFixed(3)}s`);
const j = (v: unknown): string => (v === undefined ? '—' : JSON.stringify(v));
const more = (shown: number, total: number, where: string): string =>
  total > shown ? `<p class="muted">… ${esc(total - shown)} more in result.json (${esc(where)})</p>` : '';

function callRows(calls: readonly CallRef[], stuck?: CallRef): string {
  const rows = calls.map((c) => {
    const mark = stuck !== undefined && c.index === stuck.index ? ' <span class="bad">stuck</span>' : '';
    const what = c.f === 'read' ? `read → <code>${esc(j(c.result))}</code>` : c.f === 'delete' ? 'delete' : `${esc(c.f)} <code>${esc(j(c.value))}</code>`;
    return [
      `#${esc(c.index)}${mark}`,
      `p${esc(c.process)}`,
      what,
      esc(c.type === 'info' ? 'info (may have taken effect)' : c.type),
      esc(s(c.start)),
      esc(c.end === null ? 'never returned' : s(c.end)),
    ];
  });
  return table(['call', 'process', 'operation', 'outcome', 'invoked', 'returned'], rows, 'calls');
}

function linearizable(w: LinWitness): string {
  const from =
    w.windowFrom === 'any-state'
      ? 'from whatever state the calls before it left'
      : w.windowFrom === 'history'
        ? 'from the start of the history'
        : 'where the whole-map search got furthest';
  const out = [
    `<p>Key <code>${esc(j(w.key))}</code>: call <b>#${esc(w.stuck.index)}</b> (p${esc(w.stuck.process)} ${esc(w.stuck.f)}${w.stuck.f === 'read' ? ` → ${esc(j(w.stuck.result))}` : ` ${esc(j(w.stuck.value))}`}, invoked ${esc(s(w.stuck.start))}) cannot be ordered with the calls before it.</p>`,
  ];
  if (w.keys?.length)
    out.push(`<p>The calls touch key(s) ${w.keys.map((k) => `<code>${esc(j(k.key))}</code> (= <code>${esc(j(k.state))}</code>)`).join(', ')}.</p>`);
  out.push(`<p>The ${esc(w.window.length)} call(s) that cannot be ordered (${esc(from)}), in invoke order:</p>`, callRows(w.window, w.stuck));
  out.push(
    `<p>Longest linearizable prefix: <b>${esc(w.prefix.calls)}</b> call(s), leaving <code>${esc(j(w.prefix.stateAfter))}</code>${w.prefix.last.length ? '; its last steps in order:' : '.'}</p>`,
  );
  if (w.prefix.last.length) out.push(callRows(w.prefix.last));
  return out.join('\n');
}

function lostAcks(acks: readonly LostAck[], total: number): string {
  const rows = acks
    .slice(0, ROWS)
    .map((a) => [
      `<code>${esc(j(a.key))}</code>`,
      `${esc(a.f)} <code>${esc(j(a.value))}</code>`,
      `p${esc(a.process)}`,
      esc(s(a.invokedAtMs)),
      esc(s(a.acknowledgedAtMs)),
      `<code>${esc(j(a.finalValue))}</code>`,
    ]);
  return (
    `<p>${esc(total)} acknowledged write(s) lost, earliest acknowledgement first (times from the start of the run):</p>` +
    table(['key', 'write', 'process', 'sent', 'acknowledged', 'final read'], rows, 'lost-writes') +
    more(Math.min(ROWS, acks.length), total, 'checks[name=lost-writes].lostAcknowledged')
  );
}

function lostKeys(ls: readonly LostWrite[]): string {
  const rows = ls.slice(0, ROWS).map((l) => [
    `<code>${esc(j(l.key))}</code>`,
    l.kind === 'stale-read' ? 'stale final read' : '<span class="bad">lost</span>',
    `<code>${esc(j(l.finalValue))}</code>`,
    esc(l.lostWrites.length),
    esc(
      l.lostWrites
        .slice(0, 3)
        .map(
          (x) => `#${x.invokeIndex} p${x.process} ${x.f} ${j(x.value)} (${x.type}${x.end !== null && x.end !== undefined ? `, acknowledged ${s(x.end)}` : ''})`,
        )
        .join('; '),
    ),
    esc((l.replicas ?? []).map((r) => `${r.nodeId}: ${j(r.value)}${r.legal ? ' ✓' : ''}`).join('; ') || 'not asked'),
  ]);
  const stale = ls.filter((l) => l.kind === 'stale-read').length;
  return (
    `<p>${esc(ls.length - stale)} key(s) lost acknowledged writes (no replica has them), ${esc(stale)} key(s) had a stale final read (a replica holds what the read should have shown):</p>` +
    table(['key', 'what', 'final read', 'writes not seen', 'first of them', 'replicas (✓ holds a value the read could have shown)'], rows, 'lost-keys') +
    more(Math.min(ROWS, ls.length), ls.length, 'checks[name=lost-writes].lost')
  );
}

/** The witness of one check, as HTML (empty when it has none). */
export function witnessHtml(c: Record<string, unknown> & { name: string }): string {
  const out: string[] = [];
  const w = c['witness'] as LinWitness | undefined;
  if (w && Array.isArray(w.window)) out.push(linearizable(w));
  const lost = c['lost'];
  if (c.name === 'lost-writes' && Array.isArray(lost) && lost.length) {
    const acks = c['lostAcknowledged'];
    if (Array.isArray(acks) && acks.length) out.push(lostAcks(acks as LostAck[], Number(c['lostAcknowledgedCount'] ?? acks.length)));
    out.push(lostKeys(lost as LostWrite[]));
  }
  const problems = c['problems'];
  if (Array.isArray(problems) && problems.length)
    out.push(
      `<ul>${problems
        .slice(0, 40)
        .map((p) => `<li>${esc(p)}</li>`)
        .join('')}</ul>`,
    );
  const body = out.length ? `<div class="witness" id="witness-${esc(c.name)}">${out.join('\n')}</div>` : '';
  const rest = Object.fromEntries(Object.entries(c).filter(([k]) => !['name', 'verdict', 'summary', 'table'].includes(k)));
  return body + (Object.keys(rest).length ? `<details><summary>details (result.json)</summary>${jsonBlock(rest)}</details>` : '');
}
