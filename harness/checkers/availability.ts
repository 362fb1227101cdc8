// Check "availability": the share of requests each canary (AZ × public endpoint)
// got served, as the canaries measured it, per phase. The steady-state hypothesis
// (Chaos Toolkit) is judged on the baseline and on the second half of recovery:
// there every AZ × endpoint pair must reach the experiment's availability and have
// acknowledged operations. The chaos phase is reported, not judged.

import { isServed, type Op } from '../history/op.ts';
import type { CheckResult } from './check.ts';

export interface PhaseWindow {
  readonly name: string;
  readonly startMs: number;
  readonly endMs: number;
}

export interface PairAvailability {
  readonly az: string;
  readonly endpoint: string;
  readonly phase: string;
  readonly requests: number;
  readonly served: number;
  readonly failed: number;
  readonly indeterminate: number;
  readonly availability: number | null;
}

export function availabilityTable(history: readonly Op[], phases: readonly PhaseWindow[]): PairAvailability[] {
  const rows = new Map<string, { az: string; endpoint: string; phase: string; requests: number; served: number; failed: number; indeterminate: number }>();
  const pairs = new Set<string>();
  for (const op of history) {
    if (op.type === 'invoke' || op.final || !op.az || !op.endpoint) continue;
    pairs.add(`${op.az}|${op.endpoint}`);
    for (const p of phases) {
      if (op.time < p.startMs || op.time >= p.endMs) continue;
      const k = `${op.az}|${op.endpoint}|${p.name}`;
      const r = rows.get(k) ?? { az: op.az, endpoint: op.endpoint, phase: p.name, requests: 0, served: 0, failed: 0, indeterminate: 0 };
      r.requests++;
      if (isServed(op)) r.served++;
      else if (op.type === 'fail') r.failed++;
      else r.indeterminate++;
      rows.set(k, r);
    }
  }
  const out: PairAvailability[] = [];
  for (const pair of [...pairs].sort()) {
    const [az, endpoint] = pair.split('|') as [string, string];
    for (const p of phases) {
      const r = rows.get(`${pair}|${p.name}`) ?? { az, endpoint, phase: p.name, requests: 0, served: 0, failed: 0, indeterminate: 0 };
      out.push({ ...r, availability: r.requests ? Math.round((r.served / r.requests) * 10000) / 10000 : null });
    }
  }
  return out;
}

export function checkAvailability(
  history: readonly Op[],
  phases: readonly PhaseWindow[],
  steady: readonly string[],
  minAvailability: number,
  expectedPairs: readonly { az: string; endpoint: string }[],
): CheckResult {
  const table = availabilityTable(history, phases);
  const problems: string[] = [];
  for (const { az, endpoint } of expectedPairs) {
    const rows = table.filter((r) => r.az === az && r.endpoint === endpoint);
    const acked = history.some((o) => o.type === 'ok' && !o.final && o.az === az && o.endpoint === endpoint && o.f !== 'read');
    if (!acked) problems.push(`${az} → ${endpoint}: no acknowledged write at all`);
    for (const ph of steady) {
      const r = rows.find((x) => x.phase === ph);
      if (!r || r.requests === 0) problems.push(`${az} → ${endpoint}: no requests in ${ph}`);
      else if ((r.availability ?? 0) < minAvailability) {
        problems.push(
          `${az} → ${endpoint}: ${pct(r.availability ?? 0)} available in ${ph} (< ${pct(minAvailability)}; ${r.failed} failed, ${r.indeterminate} indeterminate of ${r.requests})`,
        );
      }
    }
  }
  const verdict = problems.length ? 'fail' : 'pass';
  return {
    name: 'availability',
    verdict,
    summary: problems.length
      ? `steady state not met: ${problems[0]}${problems.length > 1 ? ` (+${problems.length - 1} more)` : ''}`
      : `every AZ × endpoint (${expectedPairs.length}) served >= ${pct(minAvailability)} in ${steady.join(' and ')}`,
    details: { minAvailability, steadyPhases: steady, problems, table },
  };
}

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
