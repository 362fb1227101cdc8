// A target's options, checked by the schema the target exports before anything
// starts: a zod schema gets the experiment file's own wording (the field, the
// problem, a fix, "did you mean" for an unknown field); any other Standard Schema
// its own messages. Either way the run ends with exit 2, each problem named as
// `target.options.<field>`.

import { z } from 'zod';
import type { OptionsIssue, OptionsSchema, TargetProblem } from '../../targets/target.ts';
import { UsageError } from '../cli/errors.ts';
import { errorMap, join, ownFix, toProblems } from '../experiment/problems.ts';

/** The options as the schema gives them back, or a UsageError naming every problem. */
export async function checkOptions(
  schema: OptionsSchema,
  options: Readonly<Record<string, unknown>>,
  file: string,
): Promise<Readonly<Record<string, unknown>>> {
  if ('_zod' in schema) {
    const zod = schema as unknown as z.core.$ZodType<Readonly<Record<string, unknown>>>;
    const r = await z.safeParseAsync(zod, options, { error: errorMap, reportInput: true });
    if (r.success) return r.data;
    throw optionProblems(toProblems(r.error.issues, zod, options), file);
  }
  const r = await schema['~standard'].validate(options);
  if (r.issues === undefined) return r.value;
  throw optionProblems(r.issues.map(standardProblem), file);
}

function standardProblem(i: OptionsIssue): TargetProblem {
  const path = (i.path ?? []).map((k) => (typeof k === 'object' ? k.key : k)).reduce<string>((p, k) => join(p, k), '');
  const { message, fix } = ownFix(i.message);
  return { path, message, fix: fix ?? "see the target's documentation of its options" };
}

/** Problems with a target's options as one UsageError: `<file>: target.options.<path>: <message>` and a fix each. */
export function optionProblems(problems: readonly TargetProblem[], file: string): UsageError {
  const lines = problems.map((p) => `${file}: target.options${p.path ? `.${p.path}` : ''}: ${p.message}\n    fix: ${p.fix}`);
  return new UsageError(
    `${problems.length} problem${problems.length === 1 ? '' : 's'} with the target's options:\n  ${lines.join('\n  ')}`,
    problems[0]?.fix ?? 'fix target.options',
  );
}
