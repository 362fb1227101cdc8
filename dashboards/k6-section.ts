// k6's view beside the canaries' (a run with `load: { k6: ... }`): per phase its
// request rate, failed share, latency percentiles and checks (result.json
// figures.k6), and each named check of the script with its passes and fails over the
// whole run (k6-summary.json in the run folder, when k6 wrote it).

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { K6Figures } from '../harness/load/k6.ts';
import type { RunFolder } from '../harness/runner/run-folder.ts';
import { esc, pct, section, table } from './html.ts';

interface SummaryGroup {
  readonly name?: string;
  readonly groups?: Readonly<Record<string, SummaryGroup>> | readonly SummaryGroup[];
  readonly checks?: Readonly<Record<string, { name: string; passes: number; fails: number }>> | readonly { name: string; passes: number; fails: number }[];
}

const ms = (x: number | null): string => (x === null ? '—' : `${x.toFixed(1)} ms`);

/** Every check of k6's summary export, with the groups it sits in. */
function summaryChecks(dir: string): { name: string; passes: number; fails: number }[] | undefined {
  const file = join(dir, 'k6-summary.json');
  if (!existsSync(file)) return undefined;
  let root: SummaryGroup | undefined;
  try {
    root = (JSON.parse(readFileSync(file, 'utf8')) as { root_group?: SummaryGroup }).root_group;
  } catch {
    return undefined;
  }
  const out: { name: string; passes: number; fails: number }[] = [];
  const walk = (g: SummaryGroup, path: string): void => {
    for (const c of Object.values(g.checks ?? {})) out.push({ name: path ? `${path} › ${c.name}` : c.name, passes: c.passes, fails: c.fails });
    for (const sub of Object.values(g.groups ?? {})) walk(sub, path ? `${path} › ${sub.name ?? ''}` : (sub.name ?? ''));
  };
  if (root) walk(root, '');
  return out;
}

export function k6Section(rf: RunFolder): string {
  const k6 = (rf.result?.figures as { k6?: K6Figures } | undefined)?.k6;
  if (!k6) return '';
  const rows = k6.phases.map((p) => {
    const checks = p.checksPassed + p.checksFailed;
    return [
      esc(p.phase),
      esc(p.requests),
      esc(p.requestsPerSec),
      `<span class="${p.failedShare > 0.01 ? 'bad' : ''}">${esc(pct(p.failedShare))}</span>`,
      esc(ms(p.p50Ms)),
      esc(ms(p.p95Ms)),
      esc(ms(p.p99Ms)),
      checks ? `${esc(p.checksPassed)} / ${esc(checks)} (${esc(pct(p.checksPassed / checks))})` : '—',
    ];
  });
  const named = summaryChecks(rf.dir);
  const checks = named?.length
    ? `<p>Checks of the script over the whole run (k6-summary.json):</p>` +
      table(
        ['check', 'passed', 'failed'],
        named.map((c) => [esc(c.name), esc(c.passes), c.fails ? `<span class="bad">${esc(c.fails)}</span>` : '0']),
      )
    : '';
  const exit = k6.exitCode === 0 ? '' : `<p class="bad">k6 exited ${esc(k6.exitCode ?? 'abnormally')}: see k6.log in the run folder.</p>`;
  return section(
    'k6',
    'k6 load beside the canaries',
    `<p>${esc(k6.script.replace(/^.*\//, ''))}, ${esc(k6.vus)} VUs against every public endpoint, for baseline, chaos and recovery.</p>${exit}` +
      table(['phase', 'requests', 'req/s', 'failed', 'p50', 'p95', 'p99', 'checks passed'], rows, 'k6-phases') +
      checks,
  );
}
