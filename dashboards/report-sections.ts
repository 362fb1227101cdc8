// The sections of report.html, each a function of the loaded run folder.

import { availabilityTable } from '../harness/checkers/availability.ts';
import { outcomeText, type AlarmReview } from '../harness/alarms/review.ts';
import { at, badge, dur, esc, pct, section, table, verdictClass } from './html.ts';
import type { RunFolder } from '../harness/runner/run-folder.ts';
import type { Bucketed } from './series.ts';
import { PALETTE, lineChart, timeline, type Band, type Row } from './svg.ts';
import { witnessHtml } from './witness.ts';

const PHASE_COLORS: Record<string, string> = {
  start: '#95a5a6',
  baseline: '#2a9d5c',
  chaos: '#c0392b',
  recovery: '#1f5fbf',
  'final-reads': '#8e44ad',
  scrub: '#7f8c8d',
};

export function banner(rf: RunFolder): string {
  const r = rf.result;
  const v = r?.verdict ?? 'unknown';
  const title = r?.experiment.title ?? rf.experiment?.experiment?.title ?? '(untitled run)';
  const bugs = r?.target.bugs.length ? ` · UNSAFE bug modes: ${r.target.bugs.join(', ')}` : '';
  const failed = (r?.checks ?? []).filter((c) => c.verdict !== 'pass').map((c) => `${c.name} ${c.verdict}`);
  return `<div class="banner ${verdictClass(v)}"><h1>${esc(v.toUpperCase())} · ${esc(title)}</h1>
<p>run ${esc(r?.runId ?? rf.dir)} · seed ${esc(r?.seed ?? rf.experiment?.seed ?? '?')} · provider ${esc(r?.provider ?? '?')} · target ${esc(r?.target.name ?? '?')}${esc(bugs)}</p>
<p>${esc(r?.startedAt ?? '')} → ${esc(r?.finishedAt ?? '')}${r?.interrupted ? ' · INTERRUPTED' : ''}${r?.error ? ` · run failed: ${esc(r.error)}` : ''}</p>
${failed.length ? `<p>not passing: ${esc(failed.join(' · '))}</p>` : ''}${(r?.warnings ?? []).map((w) => `<p>WARNING: ${esc(w)}</p>`).join('')}</div>`;
}

export function repeat(rf: RunFolder): string {
  const r = rf.result;
  const e = rf.experiment?.experiment;
  const file = r?.experiment.file ?? rf.experiment?.file ?? '<experiment file>';
  const seed = r?.seed ?? rf.experiment?.seed;
  const total = e ? e.phases.baselineMs + e.phases.chaosMs + e.phases.recoveryMs : undefined;
  const args = ['npm run gameday -- run', file, `--seed ${seed ?? '<seed>'}`];
  if (total !== undefined) args.push(`--duration ${total}ms`);
  if (r?.provider) args.push(`--provider ${r.provider}`);
  for (const b of r?.target.bugs ?? []) args.push(`--bug ${b}`);
  const phases = e ? `baseline ${dur(e.phases.baselineMs)} · chaos ${dur(e.phases.chaosMs)} · recovery ${dur(e.phases.recoveryMs)}` : '';
  return section(
    'repeat',
    'Seed and how to repeat this run',
    `<p>Seed <b>${esc(seed ?? '?')}</b>: the same seed gives the same fault plan (which nodes, when, for how long). ${esc(phases)}</p>
<pre>${esc(args.join(' '))}</pre>
<p class="muted">Re-derive from this folder alone: <code>gameday check ${esc(rf.dir)}</code> (validity) · <code>gameday review ${esc(rf.dir)}</code> (alarms) · <code>gameday report ${esc(rf.dir)}</code> (this page).</p>`,
  );
}

export function checks(rf: RunFolder): string {
  const cs = rf.result?.checks ?? [];
  if (!cs.length) return section('checks', 'Checks', '<p>No checks in result.json.</p>');
  const rows = cs.map((c) => [badge(c.verdict), `<b>${esc(c.name)}</b>`, esc(c.summary)]);
  const details = cs.map((c) => `<h3>${esc(c.name)} ${badge(c.verdict)}</h3>\n${witnessHtml(c)}`).join('\n');
  return section('checks', 'Checks', table(['verdict', 'check', 'summary'], rows) + details);
}

export function runTimeline(rf: RunFolder, review: AlarmReview, x1: number): string {
  const rows: Row[] = [
    {
      label: 'phases',
      bars: (rf.result?.phases ?? []).map((p) => ({
        from: p.startMs,
        to: p.endMs,
        color: PHASE_COLORS[p.name] ?? '#7f8c8d',
        title: `${p.name} ${at(p.startMs)} → ${at(p.endMs)}`,
        text: p.name,
      })),
    },
  ];
  const nodes = [...new Set(review.faults.flatMap((f) => f.nodes))].sort();
  for (const n of nodes) {
    rows.push({
      label: n,
      bars: review.faults
        .filter((f) => f.nodes.includes(n))
        .map((f) => ({
          from: f.injectedAtMs,
          to: f.healedAtMs,
          color: '#c0392b',
          title: `${f.id} ${f.kind} ${f.nodes.join(', ')}: ${at(f.injectedAtMs)} → ${f.healedAtMs === null ? 'never healed' : at(f.healedAtMs)}`,
          text: `${f.id} ${f.kind}`,
        })),
    });
  }
  const rowsT = review.faults.map((f) => [
    esc(f.id),
    esc(f.kind),
    esc(f.nodes.join(', ')),
    at(f.injectedAtMs),
    at(f.healedAtMs),
    dur(f.healedAtMs === null ? null : f.healedAtMs - f.injectedAtMs),
  ]);
  const failed = rf.faults.filter((f) => f.error !== undefined);
  const failedHtml = failed.length
    ? `<p>Actions that failed (faults.ndjson):</p><ul>${failed.map((f) => `<li class="bad">${at(f.time)} ${esc(f.event)} ${esc(f.id)} ${esc(f.kind)} ${esc(f.nodes.join(', '))}: ${esc(f.error)}</li>`).join('')}</ul>`
    : '';
  return section(
    'timeline',
    'Timeline of phases and faults',
    `<figure>${timeline(rows, 0, x1)}<figcaption>inject → heal per node; hover a bar for its times</figcaption></figure>` +
      (rowsT.length ? table(['fault', 'kind', 'nodes', 'injected', 'healed', 'held'], rowsT) : '<p>No faults were injected.</p>') +
      failedHtml,
  );
}

export function availability(rf: RunFolder): string {
  const phases = (rf.result?.phases ?? []).filter((p) => ['baseline', 'chaos', 'recovery'].includes(p.name));
  if (!phases.length) return section('availability', 'Availability per AZ × endpoint', '<p>No phases in result.json.</p>');
  const t = availabilityTable(rf.history, phases);
  const pairs = [...new Set(t.map((r) => `${r.az}|${r.endpoint}`))];
  const steady = rf.experiment?.experiment?.steadyStateAvailability ?? 0.99;
  const rows = pairs.map((pair) => {
    const [az, ep] = pair.split('|') as [string, string];
    const cells = phases.map((p) => {
      const r = t.find((x) => x.az === az && x.endpoint === ep && x.phase === p.name);
      const a = r?.availability ?? null;
      const cls = a === null ? '' : a >= steady ? 'good' : a >= 0.9 ? 'warn' : 'bad';
      return `<span class="${cls}" title="${esc(`${r?.served ?? 0} served, ${r?.failed ?? 0} failed, ${r?.indeterminate ?? 0} indeterminate of ${r?.requests ?? 0}`)}">${esc(pct(a))}</span> <span class="muted">(${esc(r?.requests ?? 0)})</span>`;
    });
    return [esc(az), esc(ep), ...cells];
  });
  return section(
    'availability',
    'Availability per AZ × endpoint',
    `<p class="muted">Served / requests as the canaries saw them (requests in brackets); steady state needs ${esc(pct(steady))}.</p>` +
      table(['canary AZ', 'endpoint', ...phases.map((p) => p.name)], rows),
  );
}

export function phaseMarkers(rf: RunFolder): { at: number; label: string }[] {
  return (rf.result?.phases ?? []).filter((p) => ['baseline', 'chaos', 'recovery'].includes(p.name)).map((p) => ({ at: p.startMs, label: p.name }));
}

export function plots(rf: RunFolder, b: Bucketed, bands: readonly Band[], x1: number): string {
  const markers = phaseMarkers(rf);
  const pts = <T extends number | null>(ys: readonly T[]): [number, T][] => ys.map((y, i) => [(b.times[i] ?? 0) + b.bucketMs / 2, y]);
  const color = (i: number): string => PALETTE[i % PALETTE.length] as string;
  const thr = lineChart(
    b.azs.map((az, i) => ({ name: `${az} req/s`, color: color(i), points: pts(b.throughput.get(az) ?? []) })),
    { x0: 0, x1, yLabel: 'requests / s', bands, markers, title: 'canary throughput per AZ' },
  );
  const err = lineChart(
    b.azs.map((az, i) => ({ name: `${az} errors`, color: color(i), points: pts(b.errorRate.get(az) ?? []) })),
    { x0: 0, x1, yMax: 1, yLabel: 'error rate', yFormat: (y) => pct(y, 0), bands, markers, title: 'canary error rate per AZ' },
  );
  const figs = (rf.result?.figures ?? {}) as {
    operations?: number;
    opsPerSec?: number;
    latencyMs?: { p50: number | null; p99: number | null; max: number | null };
  };
  const summary = `<p class="muted">${esc(figs.operations ?? '?')} canary operations, ${esc(figs.opsPerSec ?? '?')} ops/s; latency p50 ${esc(dur(figs.latencyMs?.p50))} · p99 ${esc(dur(figs.latencyMs?.p99))} · max ${esc(dur(figs.latencyMs?.max))}; buckets of ${esc(dur(b.bucketMs))}; shaded: faults in force.</p>`;
  return section(
    'traffic',
    'Canary throughput and errors',
    `${summary}<figure>${thr}<figcaption>throughput per canary AZ</figcaption></figure><figure>${err}<figcaption>share of requests that failed or timed out, per canary AZ</figcaption></figure>`,
  );
}

export function alarmsSection(review: AlarmReview, x1: number, bands: readonly Band[]): string {
  const names = [...new Set(review.changes.map((c) => c.alarm))].sort();
  const rows: Row[] = names.map((n) => {
    const bars: Row['bars'][number][] = [];
    let open: number | null = null;
    for (const c of review.changes.filter((x) => x.alarm === n)) {
      if (c.to === 'ALARM') open = c.time;
      else if (open !== null) {
        bars.push({ from: open, to: c.time, color: '#b3261e', title: `${n} ALARM ${at(open)} → ${at(c.time)}` });
        open = null;
      }
    }
    if (open !== null) bars.push({ from: open, to: null, color: '#b3261e', title: `${n} ALARM from ${at(open)}, never cleared` });
    return { label: n, bars };
  });
  const tbl = table(
    ['time', 'alarm', 'change', 'error rate', 'requests', 'reason'],
    review.changes.map((c) => [at(c.time), esc(c.alarm), `${esc(c.from)} → <b>${esc(c.to)}</b>`, esc(pct(c.errorRate)), esc(c.requests), esc(c.reason)]),
  );
  const body = names.length
    ? `<figure>${timeline(rows, 0, x1, bands)}<figcaption>time in ALARM per alarm; shaded: faults in force</figcaption></figure><details><summary>${esc(review.changes.length)} state changes</summary>${tbl}</details>`
    : '<p>No alarm changed state.</p>';
  return section('alarms', 'Alarm timeline', body);
}

export function onCall(review: AlarmReview): string {
  const clear = (f: AlarmReview['faults'][number]): string =>
    f.clear !== 'cleared'
      ? f.clear
      : f.clearedAfterHealMs !== null && f.clearedAfterHealMs < 0
        ? `cleared ${dur(-f.clearedAfterHealMs)} before heal`
        : `cleared ${dur(f.clearedAfterHealMs)} after heal`;
  const rows = review.faults.map((f) => [
    esc(f.id),
    esc(`${f.kind} ${f.nodes.join(', ')}`),
    at(f.injectedAtMs),
    esc(f.canaryErrors),
    esc(dur(f.firstErrorAfterMs)),
    f.missed ? `<span class="bad">${esc(outcomeText(f))}</span>` : esc(outcomeText(f)),
    `<span title="${esc([...f.alreadyInAlarm, ...f.raised].join(', '))}">${esc(f.firstAlarm ?? '—')}</span>`,
    esc(clear(f)),
  ]);
  const un = review.unexplained.length
    ? `<h3>Alarms with no fault behind them</h3><ul>${review.unexplained.map((c) => `<li class="bad">${at(c.time)} ${esc(c.alarm)}: ${esc(c.reason)}</li>`).join('')}</ul>`
    : '<p>No alarm fired without a fault behind it.</p>';
  const verdict = `<p>${badge(review.verdict)} ${esc(review.problems.length ? review.problems.join(' · ') : 'every fault with customer impact raised an alarm, and no alarm fired without a fault behind it')}</p>`;
  return section(
    'on-call',
    'On-call review: fault → first error → alarm',
    verdict +
      table(['fault', 'what', 'injected', 'canary errors', 'first error after', 'alarm', 'first alarm', 'clear'], rows) +
      un +
      `<p class="muted">Alarms as recorded live (alarms.ndjson). An alarm is put down to the last fault injected before it whose errors its scope saw (in force, or healed at most ${esc(dur(review.graceMs))} before); the run's summary, result.json and <code>gameday review</code> use the same rule.</p>`,
  );
}
