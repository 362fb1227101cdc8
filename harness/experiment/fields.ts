// The zod building blocks of the experiment schema: durations (`500ms`, `3s`,
// `1m30s` or seconds as a number, parsed to milliseconds), [min, max] ranges of
// them, non-empty text, and sections (mappings that may be left out or left empty).
// Their messages carry the fix (`said()`), so a bad field reads the same as ever.

import { z } from 'zod';
import { formatMs, parseDuration } from './duration.ts';
import { describe, said } from './problems.ts';

const NOT_A_DURATION = 'write it like 500ms, 5s, 2m or 1m30s';
/** What a duration may look like in the file (a minus is let through to be refused with its own message). */
const DURATION_TEXT = /^\s*-?(\d+(\.\d+)?(ms|s|m|h))+\s*$|^\s*-?\d+(\.\d+)?\s*$/;

export interface DurationBounds {
  readonly min?: number;
  readonly max?: number;
  readonly positive?: boolean;
  /** The fix when the field is required and left out. */
  readonly missing?: string;
}

const notDuration =
  (missing?: string) =>
  (iss: { input?: unknown }): string | undefined =>
    iss.input === undefined
      ? missing === undefined
        ? undefined
        : said('is missing', missing)
      : said(`is not a duration: ${describe(iss.input)}`, NOT_A_DURATION);
const durationText = (missing?: string) => {
  const error = notDuration(missing);
  return z.union([z.number({ error }), z.string({ error }).regex(DURATION_TEXT)], { error });
};
/** What every duration field takes (one definition in the JSON Schema). */
const DURATION = durationText().meta({ id: 'duration', description: 'a duration: 500ms, 5s, 2m, 1m30s, 1h, or a number of seconds' });

/** A duration in milliseconds. */
export function duration(o: DurationBounds = {}) {
  return (o.missing === undefined ? DURATION : durationText(o.missing)).transform((v, ctx) => {
    const bad = (message: string, fix: string): never => {
      ctx.issues.push({ code: 'custom', message: said(message, fix), input: v });
      return z.NEVER;
    };
    const ms = parseDuration(v);
    if (ms === undefined) return bad(`is not a duration: ${describe(v)}`, NOT_A_DURATION);
    if (ms < 0) return bad(`must not be negative, got ${describe(v)}`, 'use a positive duration such as 30s');
    if (o.positive && ms === 0) return bad('must be longer than zero', 'use a positive duration such as 30s');
    if (o.min !== undefined && ms < o.min) return bad(`must be at least ${o.min} ms, got ${ms} ms`, `use at least ${o.min}ms`);
    if (o.max !== undefined && ms > o.max) return bad(`must be at most ${formatMs(o.max)}, got ${describe(v)}`, `use a duration up to ${formatMs(o.max)}`);
    return ms;
  });
}

/** A duration or a [min, max] range of durations, as [min, max] in milliseconds. */
export function durationRange(max: number) {
  const d = duration({ max });
  const notRange = (iss: { input?: unknown }): string => said(`is not a duration: ${describe(iss.input)}`, NOT_A_DURATION);
  return z.union(
    [
      d.transform((ms): readonly [number, number] => [ms, ms]),
      z
        .tuple([d, d], { error: (iss) => (iss.code === 'invalid_type' ? undefined : said('a range has exactly two durations', 'write [2s, 5s]')) })
        .refine(([a, b]) => b >= a, { error: said('the second duration is shorter than the first', 'write [shorter, longer]') })
        .transform(([a, b]): readonly [number, number] => [a, b]),
    ],
    { error: notRange },
  );
}

/** Text that is not blank (`missing`: the fix when it is required and left out). */
export function text(o: { missing?: string } = {}) {
  return z
    .string({
      error: (iss) =>
        iss.input !== undefined
          ? said(`must be a non-empty string, got ${describe(iss.input)}`, 'quote the text')
          : o.missing !== undefined
            ? said('is missing', o.missing)
            : undefined,
    })
    .regex(/\S/);
}

/** A number within bounds (and whole, with `int`). */
export function num(o: { min?: number; max?: number; int?: boolean; missing?: string }) {
  const missing = (iss: { input?: unknown }): string | undefined =>
    iss.input === undefined && o.missing !== undefined ? said('is missing', o.missing) : undefined;
  let n = o.int ? z.number({ error: missing }).int() : z.number({ error: missing });
  if (o.min !== undefined) n = n.min(o.min);
  if (o.max !== undefined) n = n.max(o.max);
  return n;
}

/** A mapping that may be left out or left empty (`phases:` with nothing under it): its fields' defaults apply. */
export function section<S extends z.core.$ZodLooseShape>(shape: S) {
  return z.preprocess((v) => v ?? undefined, z.strictObject(shape).prefault({} as never));
}

/** A field that may be left out, or left empty (null) to the same effect. */
export function maybe<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => v ?? undefined, schema.optional());
}
