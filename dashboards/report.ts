// report.html: what a person reads after a game day, built from the run folder
// alone. One self-contained page: inline CSS and SVG, no scripts, no external assets.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { reviewFolder } from '../harness/alarms/review-folder.ts';
import { STYLE, esc } from './html.ts';
import { alarmsSection, availability, banner, checks, onCall, phaseMarkers, plots, repeat, runTimeline } from './report-sections.ts';
import { loadRunFolder, type RunFolder } from '../harness/runner/run-folder.ts';
import { k6Section } from './k6-section.ts';
import { faultBands, perAzSection } from './per-az.ts';
import { bucketHistory } from './series.ts';

export function renderReport(rf: RunFolder): string {
  const review = reviewFolder(rf);
  const b = bucketHistory(rf.history);
  const lastPhase = Math.max(0, ...(rf.result?.phases ?? []).map((p) => p.endMs));
  const lastFault = Math.max(0, ...rf.faults.map((f) => f.time));
  const x1 = Math.max(lastPhase, b.endMs, lastFault, 1000);
  const bands = faultBands(rf.faults, x1);
  const k6 = k6Section(rf);
  const title = rf.result?.experiment.title ?? rf.experiment?.experiment?.title ?? 'game day';
  const nav = ['repeat', 'checks', 'timeline', 'per-az', 'availability', 'traffic', ...(k6 ? ['k6'] : []), 'alarms', 'on-call']
    .map((id) => `<a href="#${id}">${id}</a>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`${(rf.result?.verdict ?? 'unknown').toUpperCase()} · ${title}`)}</title>
<style>${STYLE}</style></head>
<body><main>
${banner(rf)}
<nav>${nav}</nav>
${repeat(rf)}
${checks(rf)}
${runTimeline(rf, review, x1)}
${perAzSection(b, bands, phaseMarkers(rf), x1)}
${availability(rf)}
${plots(rf, b, bands, x1)}
${k6}
${alarmsSection(review, x1, bands)}
${onCall(review)}
<p class="muted">Written by gameday ${esc(rf.result?.gameday ?? '')} from ${esc(rf.dir)}: result.json, history.ndjson (${esc(rf.history.length)} lines), faults.ndjson, alarms.ndjson, experiment.json.</p>
</main></body></html>
`;
}

/** Writes `<runDir>/report.html` from the files in the run folder; returns its path. */
export function writeReport(runDir: string): string {
  const rf = loadRunFolder(runDir, ['result']);
  const path = join(runDir, 'report.html');
  writeFileSync(path, renderReport(rf));
  return path;
}
