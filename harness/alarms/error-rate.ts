// Customer-facing alarms: per AZ and per public endpoint, the error rate the
// canaries saw over a sliding window. ALARM when it reaches the threshold (with at
// least `minRequests` in the window), OK again when it falls below the clear rate.
// Pure: fed with completed operations and asked to evaluate at a time, so the same
// code runs live during a game day and afterwards over history.ndjson (`review`).

import type { AlarmSpec } from '../experiment/schema.ts';
import { isServed, type Op } from '../history/op.ts';

export type AlarmState = 'OK' | 'ALARM';

export interface AlarmChange {
  /** e.g. "error-rate az=az1" or "error-rate endpoint=az2-router-1" */
  readonly alarm: string;
  readonly scope: { readonly az?: string; readonly endpoint?: string };
  readonly time: number;
  readonly from: AlarmState;
  readonly to: AlarmState;
  readonly errorRate: number;
  readonly requests: number;
  readonly reason: string;
}

interface Series {
  readonly name: string;
  readonly scope: AlarmChange['scope'];
  /** completion times and whether each was an error */
  readonly events: { t: number; err: boolean }[];
  head: number;
  errors: number;
  state: AlarmState;
}

export class ErrorRateAlarms {
  private readonly series = new Map<string, Series>();

  constructor(private readonly spec: AlarmSpec) {}

  /** Declare the alarms up front so an alarm that never saw traffic is still listed. */
  declare(az: string, endpoint: string): void {
    this.get(`error-rate az=${az}`, { az });
    this.get(`error-rate endpoint=${endpoint}`, { endpoint });
  }

  /** Feed one completion (invokes and the harness's own final reads are ignored). */
  add(op: Op): void {
    if (op.type === 'invoke' || op.final || !op.az || !op.endpoint) return;
    const err = !isServed(op);
    for (const s of [this.get(`error-rate az=${op.az}`, { az: op.az }), this.get(`error-rate endpoint=${op.endpoint}`, { endpoint: op.endpoint })]) {
      s.events.push({ t: op.time, err });
      if (err) s.errors++;
    }
  }

  /** Evaluates every alarm at time `now` (ms since run start); returns the state changes. */
  evaluate(now: number): AlarmChange[] {
    const changes: AlarmChange[] = [];
    for (const s of this.series.values()) {
      while (s.head < s.events.length && (s.events[s.head] as { t: number }).t <= now - this.spec.windowMs) {
        if ((s.events[s.head] as { err: boolean }).err) s.errors--;
        s.head++;
      }
      if (s.head > 4096 && s.head * 2 > s.events.length) {
        s.events.splice(0, s.head);
        s.head = 0;
      }
      const n = s.events.length - s.head;
      const rate = n === 0 ? 0 : s.errors / n;
      let to: AlarmState = s.state;
      if (s.state === 'OK' && n >= this.spec.minRequests && rate >= this.spec.errorRate) to = 'ALARM';
      else if (s.state === 'ALARM' && (n === 0 || rate < this.spec.clearRate)) to = 'OK';
      if (to !== s.state) {
        // one decimal, so that a rate just under a threshold never prints as equal to it
        const pct = (x: number): string => `${(x * 100).toFixed(1).replace(/\.0$/, '')}%`;
        changes.push({
          alarm: s.name, scope: s.scope, time: Math.round(now), from: s.state, to, errorRate: Math.round(rate * 1000) / 1000, requests: n,
          reason: to === 'ALARM'
            ? `${s.errors} of ${n} requests failed in the last ${this.spec.windowMs / 1000}s (${pct(rate)} >= ${pct(this.spec.errorRate)})`
            : `${s.errors} of ${n} requests failed in the last ${this.spec.windowMs / 1000}s (${pct(rate)} < ${pct(this.spec.clearRate)})`,
        });
        s.state = to;
      }
    }
    return changes;
  }

  states(): { alarm: string; state: AlarmState }[] {
    return [...this.series.values()].map((s) => ({ alarm: s.name, state: s.state }));
  }

  private get(name: string, scope: AlarmChange['scope']): Series {
    let s = this.series.get(name);
    if (!s) {
      s = { name, scope, events: [], head: 0, errors: 0, state: 'OK' };
      this.series.set(name, s);
    }
    return s;
  }
}

/** Replays a whole history through the alarms, evaluating every `stepMs` (as the live run does). */
export function replayAlarms(history: readonly Op[], spec: AlarmSpec, stepMs = 250): AlarmChange[] {
  const alarms = new ErrorRateAlarms(spec);
  const comps = history.filter((o) => o.type !== 'invoke' && !o.final).sort((a, b) => a.time - b.time);
  for (const o of comps) if (o.az && o.endpoint) alarms.declare(o.az, o.endpoint);
  const end = comps.length ? (comps[comps.length - 1] as Op).time + spec.windowMs + stepMs : 0;
  const out: AlarmChange[] = [];
  let i = 0;
  for (let t = stepMs; t <= end; t += stepMs) {
    while (i < comps.length && (comps[i] as Op).time <= t) alarms.add(comps[i++] as Op);
    out.push(...alarms.evaluate(t));
  }
  return out;
}
