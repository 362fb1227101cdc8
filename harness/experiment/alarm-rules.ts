// The `alarms:` block of an experiment file, and the rule files `gameday review
// --alarms` replays: either today's one error-rate rule (window, error-rate,
// clear-rate, min-requests) or `rules:`, a list of named rules of any kind
// (harness/alarms/rules.ts). Both end as a list of AlarmRule values; problems are
// reported with their field path and fix like every other field.

import { z } from 'zod';
import { type AlarmPer, type AlarmRule, type BurnWindow, DEFAULT_PER, RULE_KINDS } from '../alarms/rules.ts';
import { parseDuration } from './duration.ts';
import { duration, maybe, num, text } from './fields.ts';
import { errorMap, type Problem, said, toProblems } from './problems.ts';

/** Longest alarm window a run evaluates (after a burn-rate rule's time scale). */
const WINDOW_MAX = 3_600_000;
const window = (d: string, what: string) =>
  duration({ min: 100, max: WINDOW_MAX })
    .prefault(d)
    .meta({ description: `${what} (default ${d})` });
const minRequests = (d: number) =>
  num({ min: 1, int: true })
    .default(d)
    .meta({ description: `no verdict on a window with fewer requests (default ${d})` });
const PER = ['az', 'endpoint', 'az-endpoint'] as const;
const perField = z
  .union([z.enum(PER), z.array(z.enum(PER)).min(1)])
  .optional()
  .meta({ description: 'one alarm per az, per endpoint, or per az-endpoint pair (a list for several; default [az, endpoint])' });
const perOf = (p: AlarmPer | readonly AlarmPer[] | undefined): readonly AlarmPer[] =>
  p === undefined ? DEFAULT_PER : typeof p === 'string' ? [p] : [...new Set(p)];
const name = text().optional().meta({ description: 'unique name of the rule; its alarms are "<name> <scope>" (default: its kind)' });

const errorRate = z.strictObject({
  kind: z.literal('error-rate'),
  name,
  per: perField,
  window: window('3s', 'sliding window over which the error rate is measured'),
  'error-rate': num({ min: 0.0001, max: 1 }).default(0.2).meta({ description: "ALARM when the window's error rate is at or above this fraction" }),
  'clear-rate': num({ min: 0, max: 1 }).optional().meta({ description: 'back to OK below this one (default: half the error rate)' }),
  'min-requests': minRequests(5),
});
const latency = z.strictObject({
  kind: z.literal('latency'),
  name,
  per: perField,
  window: window('5s', 'sliding window of completed calls'),
  percentile: num({ min: 50, max: 100 }).default(99).meta({ description: 'the percentile judged, 50..100 (default 99)' }),
  above: duration({ min: 1, missing: 'add above: <the latency bound>, e.g. above: 500ms' }).meta({ description: 'ALARM while the percentile is above this' }),
  'min-requests': minRequests(5),
});
const sloError = (iss: { input?: unknown }): string =>
  said(
    iss.input === undefined ? 'is missing' : `must be between 0 and 1 (exclusive), got ${JSON.stringify(iss.input)}`,
    'write the availability objective as a fraction, e.g. slo: 0.999',
  );
const burnWindow = z.strictObject({
  long: duration({ positive: true, missing: 'add long: <the long window>, e.g. 1h' }),
  short: duration({ positive: true, missing: 'add short: <the short window>, e.g. 5m' }),
  factor: num({ min: 0.0001, missing: 'add factor: <the burn rate>, e.g. 14.4' }).meta({ description: 'burn rate both windows must reach' }),
});
const timeScale = z
  .union([z.number(), z.string().regex(/^\s*1\s*\/\s*\d+(\.\d+)?\s*$/)], {
    error: () => said('is not a positive number or 1/N', 'e.g. time-scale: 1/720 (1 h runs as 5 s)'),
  })
  .prefault('1/720')
  .meta({ description: 'multiplies every window, so an SLO period fits a game day (default 1/720: 1 h runs as 5 s)' });
const burnRate = z.strictObject({
  kind: z.literal('burn-rate'),
  name,
  per: perField,
  slo: z
    .number({ error: sloError })
    .refine((x) => x > 0 && x < 1, { error: sloError })
    .meta({ description: 'availability objective, a fraction in (0, 1), e.g. 0.999' }),
  windows: z
    .array(burnWindow)
    .min(1)
    .prefault([
      { long: '1h', short: '5m', factor: 14.4 },
      { long: '6h', short: '30m', factor: 6 },
    ] as never)
    .meta({ description: "long/short window pairs with their burn-rate factors (default the workbook's pages: 14.4x over 1h/5m, 6x over 6h/30m)" }),
  'time-scale': timeScale,
  'min-requests': minRequests(10),
});
const azOutlier = z.strictObject({
  kind: z.literal('az-outlier'),
  name,
  per: z.literal('az').optional().meta({ description: 'always per az' }),
  signal: z.enum(['error-rate', 'latency']).default('error-rate'),
  window: window('3s', 'sliding window each AZ is judged over'),
  factor: num({ min: 1 }).default(3).meta({ description: 'ALARM when one AZ is more than this times the median of the others (default 3)' }),
  floor: z
    .union([z.number(), z.string()])
    .optional()
    .meta({ description: 'and at least this: an error rate fraction (default 0.05) or, signal latency, a duration (default 200ms)' }),
  percentile: num({ min: 50, max: 100 }).default(99),
  'min-requests': minRequests(5),
});
const absent = z.strictObject({
  kind: z.literal('absent'),
  name,
  per: perField,
  window: window('2s', 'ALARM when no canary call of the scope completed in this window'),
});

const ruleEntry = z.discriminatedUnion('kind', [errorRate, latency, burnRate, azOutlier, absent], {
  error: (iss) => {
    const v = (iss.input as Record<string, unknown> | undefined)?.['kind'];
    return iss.code === 'invalid_union'
      ? said(v === undefined ? 'has no kind' : `unknown rule kind ${JSON.stringify(v)}`, `use one of: ${RULE_KINDS.join(', ')}`)
      : undefined;
  },
});
type RuleInput = z.output<typeof ruleEntry>;

/** Rules as written to AlarmRule values; problems with their paths (relative to the list). */
function toRule(r: RuleInput, issue: (path: PropertyKey[], message: string, fix: string) => void): AlarmRule {
  const nm = r.name ?? r.kind;
  switch (r.kind) {
    case 'error-rate': {
      const clearRate = r['clear-rate'] ?? r['error-rate'] / 2;
      if (clearRate > r['error-rate']) issue(['clear-rate'], 'is above error-rate', 'clear at a lower rate than the one that raises the alarm');
      return { kind: 'error-rate', name: nm, per: perOf(r.per), windowMs: r.window, errorRate: r['error-rate'], clearRate, minRequests: r['min-requests'] };
    }
    case 'latency':
      return {
        kind: 'latency',
        name: nm,
        per: perOf(r.per),
        windowMs: r.window,
        percentile: r.percentile,
        thresholdMs: r.above,
        minRequests: r['min-requests'],
      };
    case 'burn-rate': {
      const ts = typeof r['time-scale'] === 'number' ? r['time-scale'] : 1 / Number(r['time-scale'].split('/')[1]);
      if (!(ts > 0 && ts <= 1))
        issue(['time-scale'], `must be in (0, 1], got ${r['time-scale']}`, 'e.g. time-scale: 1/720 (1 h runs as 5 s), or 1 for real time');
      const windows: BurnWindow[] = r.windows.map((w, i) => {
        if (w.short >= w.long)
          issue(
            ['windows', i, 'short'],
            `is not shorter than the long window (${w.short} ms >= ${w.long} ms)`,
            'the short window is a fraction of the long one, e.g. long: 1h, short: 5m',
          );
        if (w.long * ts > WINDOW_MAX)
          issue(
            ['windows', i, 'long'],
            `runs as ${Math.round(w.long * ts)} ms at time-scale ${r['time-scale']}, longer than ${WINDOW_MAX / 60_000} min`,
            'shorten the window or shrink time-scale',
          );
        if (w.short * ts < 100)
          issue(
            ['windows', i, 'short'],
            `runs as ${+(w.short * ts).toFixed(1)} ms at time-scale ${r['time-scale']}, under 100 ms (the alarms are evaluated every 250 ms)`,
            'lengthen the short window or grow time-scale',
          );
        return { longMs: w.long, shortMs: w.short, factor: w.factor };
      });
      return { kind: 'burn-rate', name: nm, per: perOf(r.per), slo: r.slo, windows, timeScale: ts, minRequests: r['min-requests'] };
    }
    case 'az-outlier': {
      let floor = r.signal === 'latency' ? 200 : 0.05;
      if (r.floor !== undefined) {
        const v = r.signal === 'latency' ? parseDuration(r.floor) : typeof r.floor === 'number' ? r.floor : Number.NaN;
        if (v === undefined || !Number.isFinite(v) || v < 0 || (r.signal === 'error-rate' && v > 1))
          issue(
            ['floor'],
            `is not ${r.signal === 'latency' ? 'a duration' : 'an error rate in [0, 1]'}: ${JSON.stringify(r.floor)}`,
            r.signal === 'latency' ? 'e.g. floor: 300ms' : 'e.g. floor: 0.05',
          );
        else floor = v;
      }
      return {
        kind: 'az-outlier',
        name: nm,
        per: ['az'],
        signal: r.signal,
        windowMs: r.window,
        factor: r.factor,
        floor,
        percentile: r.percentile,
        minRequests: r['min-requests'],
      };
    }
    case 'absent':
      return { kind: 'absent', name: nm, per: perOf(r.per), windowMs: r.window };
  }
}

/** A list of rules: each checked, names unique. */
export const rulesList = z
  .array(ruleEntry)
  .min(1)
  .transform((list, ctx) => {
    const rules = list.map((r, i) =>
      toRule(r, (path, message, fix) => void ctx.issues.push({ code: 'custom', path: [i, ...path], input: r, message: said(message, fix) })),
    );
    const seen = new Map<string, number>();
    rules.forEach((r, i) => {
      const first = seen.get(r.name);
      if (first !== undefined)
        ctx.issues.push({
          code: 'custom',
          path: [i, 'name'],
          input: r.name,
          message: said(`"${r.name}" is the name of rule ${first} too`, `give each rule its own name: (e.g. name: ${r.name}-${i})`),
        });
      else seen.set(r.name, i);
    });
    return rules;
  });

/** `alarms:` in an experiment: the legacy single rule's fields, or `rules:`. */
export const alarmsSection = z.preprocess(
  (v) => v ?? undefined,
  z
    .strictObject({
      window: duration({ min: 100, max: WINDOW_MAX })
        .optional()
        .meta({ description: 'one error-rate rule: sliding window over which the error rate is measured (default 3s)' }),
      'error-rate': num({ min: 0.0001, max: 1 })
        .optional()
        .meta({ description: "ALARM when the window's error rate is at or above this fraction (default 0.2)" }),
      'clear-rate': num({ min: 0, max: 1 }).optional().meta({ description: 'back to OK when it falls below this one (default: half the error rate)' }),
      'min-requests': num({ min: 1, int: true }).optional().meta({ description: 'no verdict on a window with fewer requests (default 5)' }),
      rules: maybe(rulesList).meta({
        description: 'or a list of named rules of any kind: error-rate, latency, burn-rate, az-outlier, absent (README "Alarms and on-call review")',
      }),
    })
    .prefault({} as never)
    .transform((a, ctx): readonly AlarmRule[] => {
      if (a.rules !== undefined) {
        const legacy = (['window', 'error-rate', 'clear-rate', 'min-requests'] as const).filter((k) => a[k] !== undefined);
        for (const k of legacy)
          ctx.issues.push({
            code: 'custom',
            path: [k],
            input: a[k],
            message: said(
              'is a field of the single error-rate rule, and alarms.rules is given too',
              `move it into a rule: { kind: error-rate, ${k}: ... } under alarms.rules`,
            ),
          });
        return a.rules;
      }
      const errorRate = a['error-rate'] ?? 0.2;
      const clearRate = a['clear-rate'] ?? errorRate / 2;
      if (clearRate > errorRate)
        ctx.issues.push({
          code: 'custom',
          path: ['clear-rate'],
          input: clearRate,
          message: said('is above alarms.error-rate', 'clear at a lower rate than the one that raises the alarm'),
        });
      return [
        { kind: 'error-rate', name: 'error-rate', per: DEFAULT_PER, windowMs: a.window ?? 3000, errorRate, clearRate, minRequests: a['min-requests'] ?? 5 },
      ];
    }),
);

/** `stop-when:` entries: end chaos once a rule has had an alarm in ALARM this long. */
export const stopWhenField = maybe(
  z.array(
    z.strictObject({
      alarm: text({ missing: 'add alarm: <the name of a rule in alarms>' }).meta({ description: 'the name of a rule' }),
      for: duration().prefault('0s').meta({ description: 'how long one of its alarms must have been in ALARM (default 0s: at once)' }),
    }),
  ),
).meta({ description: 'stop conditions (as AWS FIS has them): chaos ends early, every fault is healed, recovery and the checks run as usual' });

/** A rules file for `gameday review --alarms`: `rules: [...]`, `alarms: { rules: [...] }`, or a bare list. */
export function parseRulesFile(doc: unknown): { rules?: readonly AlarmRule[]; problems: Problem[] } {
  const schema = z.union([
    rulesList,
    z.strictObject({ rules: rulesList }).transform((d) => d.rules),
    z.strictObject({ alarms: z.strictObject({ rules: rulesList }) }).transform((d) => d.alarms.rules),
  ]);
  const r = schema.safeParse(doc ?? {}, { error: errorMap, reportInput: true });
  return r.success ? { rules: r.data, problems: [] } : { problems: toProblems(r.error.issues, schema, doc ?? {}) };
}
