// The index page (`gameday report --index`): one self-contained HTML page over every
// game day in a runs folder's index.ndjson: when, experiment, seed, verdict,
// availability per AZ during chaos, time to first error and to alarm, lost writes,
// how they trend across runs, and per run a relative link to its report.html.

import { existsSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import type { IndexEntry } from '../harness/runner/index.ts';
import { indexTrends } from '../harness/runner/index-trends.ts';
import { badge, esc, pct, section, STYLE, table, verdictClass } from './html.ts';
import { PALETTE, lineChart, type Line } from './svg.ts';

const ms = (v: number | null): string => (v === null ? '—' : v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(1)} s`);

/** The link from the page at `outFile` to a run's report.html, relative and URL-encoded segment by segment. */
export function reportLink(outFile: string, runsDir: string, folder: string): string {
  const rel = relative(dirname(outFile), join(runsDir, folder, 'report.html'));
  return rel
    .split(sep)
    .map((s) => (s === '..' || s === '.' ? s : encodeURIComponent(s)))
    .join('/');
}

function trendCharts(entries: readonly IndexEntry[]): string {
  const n = entries.length;
  // x is the run's number (1 = oldest); ticks name a handful of runs
  const x = (i: number): number => i + 1;
  const every = Math.max(1, Math.ceil(n / 12));
  const xTicks = entries.map((_, i) => ({ at: x(i), label: `#${x(i)}` })).filter((_, i) => i % every === 0 || i === n - 1);
  const range = { x0: 0.5, x1: n + 0.5, xTicks };
  const azs = [...new Set(entries.flatMap((e) => Object.keys(e.chaosAvailability)))].sort();
  const avail: Line[] = azs.map((az, i) => ({
    name: az,
    color: PALETTE[i % PALETTE.length] as string,
    points: entries.map((e, k) => [x(k), e.chaosAvailability[az] ?? null]),
  }));
  const times: Line[] = [
    { name: 'time to alarm', color: PALETTE[4] as string, points: entries.map((e, k) => [x(k), e.medianAlarmAfterMs]) },
    { name: 'first error', color: PALETTE[0] as string, dash: true, points: entries.map((e, k) => [x(k), e.medianFirstErrorAfterMs]) },
  ];
  const lost: Line[] = [{ name: 'lost writes', color: PALETTE[4] as string, points: entries.map((e, k) => [x(k), e.lostWrites]) }];
  return (
    `<figure class="trend">${lineChart(avail, { ...range, yMax: 1, yLabel: 'chaos availability', yFormat: (y) => pct(y, 0), height: 200, title: 'availability per AZ during chaos, run by run' })}<figcaption>served / requests during chaos per AZ, run by run (oldest first)</figcaption></figure>` +
    `<figure class="trend">${lineChart(times, { ...range, yLabel: 'ms', height: 180, title: 'median time to alarm and to first error, run by run' })}<figcaption>median over a run's faults: from the injection to the first alarm put down to it, and to the first canary error</figcaption></figure>` +
    `<figure class="trend">${lineChart(lost, { ...range, yLabel: 'lost writes', height: 160, title: 'acknowledged writes lost, run by run' })}<figcaption>acknowledged writes lost per run</figcaption></figure>`
  );
}

export function renderIndex(entries: readonly IndexEntry[], o: { runsDir: string; outFile: string; unreadable: number }): string {
  const t = indexTrends(entries);
  const azs = [...new Set(entries.flatMap((e) => Object.keys(e.chaosAvailability)))].sort();
  const rows = entries.map((e, i) => {
    const has = existsSync(join(o.runsDir, e.folder, 'report.html'));
    const link = has
      ? `<a class="run-report" href="${esc(reportLink(o.outFile, o.runsDir, e.folder))}">report</a>`
      : `<span class="muted" title="${esc(`no report.html in ${join(o.runsDir, e.folder)}: gameday report ${join(o.runsDir, e.folder)} writes it`)}">no report.html</span>`;
    return [
      esc(i + 1),
      esc(e.startedAt.slice(0, 19).replace('T', ' ')),
      `${esc(e.title)}<br><span class="muted">${esc(e.experiment)}</span>`,
      esc(e.seed),
      badge(e.verdict),
      ...azs.map((az) => {
        const a = e.chaosAvailability[az];
        return a === undefined ? '—' : `<span class="${a >= 0.99 ? 'good' : a >= 0.9 ? 'warn' : 'bad'}">${esc(pct(a))}</span>`;
      }),
      esc(e.faults),
      esc(ms(e.medianFirstErrorAfterMs)),
      esc(ms(e.medianAlarmAfterMs)),
      e.lostWrites ? `<span class="bad">${esc(e.lostWrites)}</span>` : '0',
      esc(
        Object.entries(e.checks)
          .filter(([, v]) => v !== 'pass')
          .map(([k, v]) => `${k} ${v}`)
          .join(', ') || 'all pass',
      ),
      link,
    ];
  });
  const runs = table(
    [
      '#',
      'when (UTC)',
      'experiment',
      'seed',
      'verdict',
      ...azs.map((az) => `${az} chaos`),
      'faults',
      'first error',
      'time to alarm',
      'lost writes',
      'checks not passing',
      'run',
    ],
    rows,
    'runs',
  );
  const perExp = table(
    ['experiment', 'runs', 'passed', 'median time to alarm, earlier runs → later runs'],
    t.experiments.map((x) => [
      esc(x.experiment),
      esc(x.runs),
      esc(x.passed),
      x.runs >= 2 ? esc(`${ms(x.earlier.medianAlarmAfterMs)} (first ${x.earlier.runs}) → ${ms(x.later.medianAlarmAfterMs)} (last ${x.later.runs})`) : '—',
    ]),
    'trends',
  );
  const worst = t.failed ? 'fail' : t.undecided ? 'unknown' : 'pass';
  const skipped = o.unreadable ? `<p class="bad">${esc(o.unreadable)} line(s) of index.ndjson could not be read and are left out.</p>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`gameday history · ${t.total} game days`)}</title>
<style>${STYLE}</style></head>
<body><main>
<div class="banner ${verdictClass(worst)}"><h1>${esc(`${t.total} game days: ${t.passed} passed (${Math.round((t.passed / Math.max(1, t.total)) * 100)}%), ${t.failed} failed, ${t.undecided} undecided`)}</h1>
<p>${esc(o.runsDir)}/index.ndjson · ${esc(entries[0]?.startedAt ?? '')} → ${esc(entries.at(-1)?.startedAt ?? '')}</p></div>
${skipped}
${section('runs', 'Game days, oldest first', runs)}
${section('trends', 'Trends across runs', trendCharts(entries) + perExp)}
<p class="muted">Written by gameday from ${esc(o.runsDir)}/index.ndjson; each run folder stays the evidence (its report.html, result.json, history.ndjson).</p>
</main></body></html>
`;
}
