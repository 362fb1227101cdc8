// The summary a person reads in ten seconds, and junit.xml for CI.

import { formatResult } from '../checkers/format-result.ts';
import { formatMs } from '../experiment/duration.ts';
import type { LostAck } from '../checkers/lost-writes.ts';
import type { K6Figures } from '../load/k6.ts';
import type { RunResult } from './result.ts';

const MARK: Record<string, string> = { pass: 'ok  ', fail: 'FAIL', unknown: '??  ' };

export function formatSummary(r: RunResult): string {
  const f = r.figures as Record<string, unknown> & { latencyMs: { p50: number | null; p99: number | null } };
  const lines: string[] = [];
  lines.push('');
  lines.push(
    `gameday ${r.verdict.toUpperCase()}  "${r.experiment.title}"  seed ${r.seed}  ${r.provider}  ${formatMs(Number(f.wallMs))}${r.target.bugs.length ? `  UNSAFE target: ${r.target.bugs.join(', ')}` : ''}`,
  );
  if (r.interrupted) lines.push('  interrupted: faults healed, cluster stopped, no verdict');
  if (r.error) lines.push(`  error: ${r.error}`);
  if (r.stoppedBy)
    lines.push(
      `  STOPPED   chaos ended early at +${formatMs(r.stoppedBy.atMs)}: stop-when { alarm: ${r.stoppedBy.alarm}, for: ${formatMs(r.stoppedBy.forMs)} } met by ${r.stoppedBy.by} (in ALARM since +${formatMs(r.stoppedBy.inAlarmSinceMs)}); every fault healed, recovery and checks ran`,
    );
  for (const w of r.warnings ?? []) lines.push(`  WARNING   ${w}`);
  lines.push('  checks');
  for (const c of r.checks) {
    lines.push(`    ${MARK[c.verdict] ?? c.verdict}  ${c.name.padEnd(15)} ${c.summary}`);
    if (c.name === 'lost-writes') lines.push(...lostLines(c));
  }
  for (const e of r.expected ?? []) {
    lines.push(
      e.got === 'fail'
        ? `  expected  ${e.name} failed, as the experiment pins it (expect: { ${e.name}: fail }): a known weakness, so it does not fail the run`
        : `  expected  ${e.name} was pinned to fail (expect: { ${e.name}: fail }) and ${e.got === 'pass' ? 'passed: the run fails until the expectation is removed' : 'decided nothing'}`,
    );
  }
  const injected = r.faults.length;
  const healed = r.faults.filter((x) => x.healedAtMs !== null).length;
  const fe = f.medianFirstErrorAfterMs as number | null;
  const al = f.medianAlarmAfterMs as number | null;
  lines.push(
    `  faults    ${injected} injected, ${healed} healed${injected ? `; after a fault: first canary error ${fe === null ? 'never' : `median ${formatMs(fe)}`}, alarm put down to it ${al === null ? 'never' : `median ${formatMs(al)}`}` : ''}`,
  );
  for (const x of r.faults) {
    lines.push(
      `    ${x.id.padEnd(4)} +${formatMs(x.injectedAtMs).padStart(6)} ${x.kind.padEnd(10)} ${x.nodes.join(', ').padEnd(28)} ${x.healedAtMs !== null ? `healed +${formatMs(x.healedAtMs)}` : 'NOT HEALED'}  first error ${x.firstErrorAfterMs === null ? '-' : formatMs(x.firstErrorAfterMs)}  ${x.outcomeText}`,
    );
  }
  const got = f.achievedOpsPerSec as { min: number | null; median: number | null } | undefined;
  const rate = got && got.median !== null ? `; each ${f.requestedOpsPerSec} ops/s asked, ${got.median} achieved (lowest ${got.min})` : '';
  lines.push(
    `  traffic   ${f.canaries} canaries, ${f.operations} operations, ${f.opsPerSec} ops/s${rate}; latency from the scheduled start p50 ${fmt(f.latencyMs.p50)} p99 ${fmt(f.latencyMs.p99)}`,
  );
  const k6 = (r.figures as { k6?: K6Figures }).k6;
  if (k6) {
    lines.push(
      `  k6 load   ${k6.script.replace(/^.*\//, '')}, ${k6.vus} VUs${k6.exitCode !== 0 ? ` (k6 exited ${k6.exitCode ?? 'abnormally'}: see k6.log)` : ''}`,
    );
    for (const ph of k6.phases)
      lines.push(
        `    ${ph.phase.padEnd(9)} ${String(ph.requestsPerSec).padStart(7)} req/s  ${(ph.failedShare * 100).toFixed(1)}% failed  p50 ${fmt(ph.p50Ms)} p95 ${fmt(ph.p95Ms)} p99 ${fmt(ph.p99Ms)}${ph.checksPassed + ph.checksFailed ? `  checks ${ph.checksPassed}/${ph.checksPassed + ph.checksFailed} passed` : ''}`,
      );
  }
  const avail = r.checks.find((c) => c.name === 'availability') as
    | { table?: { az: string; endpoint: string; phase: string; availability: number | null }[] }
    | undefined;
  if (avail?.table) {
    const phases = ['baseline', 'chaos', 'recovery'];
    lines.push(`  availability (served/requests)     ${phases.map((p) => p.padStart(9)).join(' ')}`);
    const pairs = [...new Set(avail.table.map((t) => `${t.az}|${t.endpoint}`))];
    for (const pair of pairs) {
      const [az, ep] = pair.split('|') as [string, string];
      const cells = phases.map((ph) => {
        const row = avail.table?.find((t) => t.az === az && t.endpoint === ep && t.phase === ph);
        return (row?.availability === null || row === undefined ? '-' : `${(row.availability * 100).toFixed(1)}%`).padStart(9);
      });
      lines.push(`    ${`${az} → ${ep}`.padEnd(32)} ${cells.join(' ')}`);
    }
  }
  const a = r.alarms;
  const rules = a.rules ?? [];
  if (rules.length > 1 || (rules[0] !== undefined && !rules[0].startsWith('error-rate: '))) for (const d of rules) lines.push(`  rule      ${d}`);
  lines.push(`  alarms    ${a.raised} raised, ${a.cleared} cleared${a.stillInAlarm.length ? `, STILL IN ALARM: ${a.stillInAlarm.join(', ')}` : ''}`);
  const cause = (c: (typeof a.changes)[number]): string =>
    c.to !== 'ALARM' ? '' : 'fault' in c && typeof c.fault === 'string' ? `  [${c.fault}]` : '  [no fault behind it]';
  for (const c of a.changes.slice(0, 12)) lines.push(`    +${formatMs(c.time).padStart(6)}  ${c.alarm.padEnd(32)} ${c.from} → ${c.to}  ${c.reason}${cause(c)}`);
  if (a.changes.length > 12) lines.push(`    ... ${a.changes.length - 12} more in alarms.ndjson`);
  lines.push(`  run folder ${r.runDir}`);
  lines.push('');
  return lines.join('\n');
}

/** Lost writes shown one by one in the summary (the rest are in result.json). */
const LOST_SHOWN = 10;
const at = (ms: number): string => `+${(ms / 1000).toFixed(3)}s`;

/** The lost writes one by one, earliest acknowledgement first: key, value, when it was sent and acknowledged, what the final read found. */
function lostLines(c: RunResult['checks'][number]): string[] {
  const acks = (c['lostAcknowledged'] ?? []) as LostAck[];
  if (acks.length === 0) return [];
  const total = Number(c['lostAcknowledgedCount'] ?? acks.length);
  const out = [`            lost writes, earliest acknowledgement first (times from the start of the run):`];
  for (const a of acks.slice(0, LOST_SHOWN)) {
    out.push(
      `              key ${JSON.stringify(a.key)}  ${a.f} ${JSON.stringify(a.value)}  acknowledged ${at(a.acknowledgedAtMs)} (sent ${at(a.invokedAtMs)}, p${a.process})  final read ${JSON.stringify(a.finalValue)}`,
    );
  }
  if (total > LOST_SHOWN) out.push(`              ... ${total - LOST_SHOWN} more: result.json, checks[name=lost-writes].lostAcknowledged`);
  return out;
}

const fmt = (x: number | null): string => (x === null ? '-' : `${x.toFixed(1)}ms`);

// XML 1.0 cannot carry control characters (an ANSI colour code in a node's error, say), not even as
// references, nor lone surrogates: they are written as the text \uXXXX instead
const esc = (s: string): string =>
  s
    .replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string)
    .replace(/[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu, (c) => `\\u${(c.codePointAt(0) as number).toString(16).padStart(4, '0')}`);

export function formatJunit(r: RunResult): string {
  // a run that crashed or was interrupted is an <error> (nothing was judged), a violated
  // check a <failure> whose text holds its witness, a check that could not decide <skipped>
  const broken = r.interrupted || r.error !== undefined;
  const failures = broken ? 0 : r.checks.filter((c) => c.verdict === 'fail').length;
  const errors = broken ? r.checks.length : 0;
  const skipped = broken ? 0 : r.checks.filter((c) => c.verdict === 'unknown').length;
  const time = (ms: unknown): string => (typeof ms === 'number' ? (ms / 1000).toFixed(3) : '0');
  const cases = r.checks.map((c) => {
    const { name, verdict, summary, ...details } = c;
    let body = '';
    if (broken) body = `<error message="${esc(summary)}" type="${r.interrupted ? 'interrupted' : 'crashed'}">${esc(r.error ?? summary)}</error>`;
    else if (verdict === 'fail')
      body = `<failure message="${esc(summary)}" type="${esc(name)}">${esc(formatResult({ name, verdict, summary, details }))}</failure>`;
    else if (verdict === 'unknown') body = `<skipped message="${esc(summary)}"/>`;
    return `    <testcase classname="gameday.${esc(r.experiment.title)}" name="${esc(name)}" time="${time(details['checkMs'])}">${body}</testcase>`;
  });
  const props: [string, string][] = [
    ['seed', String(r.seed)],
    ['run-folder', r.runDir],
    ['run-id', r.runId],
    ['experiment', r.experiment.file],
    ['provider', r.provider],
    ['target', r.target.name],
    ['verdict', r.verdict],
  ];
  const wall = (Number(r.figures['wallMs']) / 1000).toFixed(1);
  const counts = `tests="${r.checks.length}" failures="${failures}" errors="${errors}" skipped="${skipped}"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="gameday" ${counts} time="${wall}">`,
    `  <testsuite name="${esc(r.experiment.title)} (seed ${r.seed})" ${counts} time="${wall}" timestamp="${esc(r.startedAt.replace(/\.\d+Z$/, ''))}">`,
    '    <properties>',
    ...props.map(([k, v]) => `      <property name="${esc(k)}" value="${esc(v)}"/>`),
    '    </properties>',
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
