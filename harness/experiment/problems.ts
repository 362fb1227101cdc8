// From zod issues to the problems a user reads: each names the field path
// (`faults[2].hold`), what is wrong and a fix, and an unknown field gets a "did you
// mean". Used for the experiment file and for a target's own options schema, so both
// read the same. A schema's message may carry its own fix as `... (fix: ...)`
// (`said()`); otherwise the fix follows from the kind of issue.

import type { z } from 'zod';

export interface Problem {
  readonly path: string;
  readonly message: string;
  readonly fix: string;
}

type Issue = z.core.$ZodIssue;
type Schema = z.core.$ZodType;

/** A message with its fix, for a schema's own error: the problem list shows them apart. */
export const said = (message: string, fix: string): string => `${message} (fix: ${fix})`;
const SAID = /^([\s\S]*?) \(fix: ([\s\S]*)\)$/;

/** A message and the fix it carries (`said()`), if it carries one. */
export function ownFix(text: string): { message: string; fix?: string } {
  const m = SAID.exec(text);
  return m ? { message: m[1] as string, fix: m[2] as string } : { message: text };
}

export function join(path: string, key: PropertyKey): string {
  return typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${String(key)}` : String(key);
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return JSON.stringify(v);
}

/**
 * The messages of gameday's own wording, given to safeParse as its error map; a
 * schema's own message (and a target author's) outranks it.
 */
export const errorMap: z.core.$ZodErrorMap = (iss) => {
  const got = describe(iss.input);
  switch (iss.code) {
    case 'invalid_type':
      if (iss.input === undefined) return 'is missing';
      if (iss.expected === 'object' || iss.expected === 'record') return `must be a mapping, got ${got}`;
      if (iss.expected === 'array' || iss.expected === 'tuple') return `must be a list, got ${got}`;
      if (iss.expected === 'number') return `must be a number, got ${got}`;
      if (iss.expected === 'int') return `must be a whole number, got ${got}`;
      if (iss.expected === 'boolean') return `must be true or false, got ${got}`;
      if (iss.expected === 'string') return `must be a string, got ${got}`;
      if (iss.expected === 'never') return 'is not used here';
      return `must be ${iss.expected}, got ${got}`;
    case 'too_small':
      if (iss.origin === 'string')
        return Number(iss.minimum) <= 1 ? `must be a non-empty string, got ${got}` : `must be at least ${iss.minimum} characters long, got ${got}`;
      if (iss.origin === 'array') return `needs at least ${iss.minimum} entries, got ${(iss.input as unknown[]).length}`;
      return iss.inclusive === false ? `must be more than ${iss.minimum}, got ${got}` : `must be at least ${iss.minimum}, got ${got}`;
    case 'too_big':
      if (iss.origin === 'string') return `must be at most ${iss.maximum} characters long`;
      if (iss.origin === 'array') return `has ${(iss.input as unknown[]).length} entries; at most ${iss.maximum} are allowed`;
      return iss.inclusive === false ? `must be less than ${iss.maximum}, got ${got}` : `must be at most ${iss.maximum}, got ${got}`;
    case 'invalid_value':
      return `unknown value ${got}`;
    case 'invalid_format':
      return `is not ${iss.format === 'regex' ? `of the form ${iss.pattern}` : `a valid ${iss.format}`}, got ${got}`;
    case 'invalid_union':
      if (iss.discriminator !== undefined) {
        const v = (iss.input as Record<string, unknown> | undefined)?.[iss.discriminator];
        return v === undefined ? 'is missing' : `unknown value ${describe(v)}`;
      }
      return `does not match any of the forms it may take, got ${got}`;
    case 'unrecognized_keys':
      return `unknown field${iss.keys.length === 1 ? '' : 's'} ${iss.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'not_multiple_of':
      return `must be a multiple of ${iss.divisor}, got ${got}`;
    default:
      return undefined;
  }
};

/** The problems in `issues` of a parse of `doc` by `schema`, paths under `prefix`. */
export function toProblems(issues: readonly Issue[], schema: Schema, doc: unknown, prefix = ''): Problem[] {
  const out: Problem[] = [];
  const walk = (list: readonly Issue[], base: readonly PropertyKey[]): void => {
    for (const iss of list) {
      const at = [...base, ...iss.path];
      const path = at.reduce<string>((p, k) => join(p, k), prefix);
      if (iss.code === 'unrecognized_keys') {
        const allowed = keysAt(schema, doc, at);
        for (const k of iss.keys) {
          const near = closest(k, allowed);
          const list = allowed.length > 0 ? ` (allowed: ${allowed.join(', ')})` : '';
          out.push({ path: join(path, k), message: `unknown field "${k}"`, fix: near ? `did you mean "${near}"?${list}` : `remove it${list}` });
        }
        continue;
      }
      if (iss.code === 'invalid_union' && iss.discriminator === undefined && iss.errors.length > 0) {
        // the form that fits the value's type says what is wrong with it (a list given for a [min, max] range...)
        const fitting = iss.errors.filter((branch) => !mismatch(branch));
        if (fitting.length === 1) {
          walk(fitting[0] as Issue[], at);
          continue;
        }
        // a union of literals (z.literal(1).or(z.literal(3))...) is one list of values to choose from
        const values = iss.errors.every((b) => b.length === 1 && b[0]?.code === 'invalid_value' && b[0].path.length === 0)
          ? iss.errors.flatMap((b) => (b[0] as z.core.$ZodIssueInvalidValue).values)
          : undefined;
        if (values) {
          out.push({ path, message: `unknown value ${describe(iss.input)}`, fix: useOneOf(values, iss.input) });
          continue;
        }
      }
      const { message, fix } = ownFix(iss.message);
      out.push({ path, message, fix: fix ?? fixFor(iss, path, at) });
    }
  };
  walk(issues, []);
  return out;
}

/** A union branch that failed only because the value is of another type. */
function mismatch(branch: readonly Issue[]): boolean {
  return branch.every(
    (i) =>
      i.path.length === 0 &&
      (i.code === 'invalid_type' || (i.code === 'invalid_union' && i.discriminator === undefined && i.errors.length > 0 && i.errors.every(mismatch))),
  );
}

function fixFor(iss: Issue, path: string, at: readonly PropertyKey[]): string {
  switch (iss.code) {
    case 'invalid_type':
      if (iss.input === undefined) return `add ${String(at[at.length - 1] ?? 'it')}`;
      if (iss.expected === 'object' || iss.expected === 'record') return `write ${path || 'the file'} as "key: value" lines`;
      if (iss.expected === 'array' || iss.expected === 'tuple') return 'write one "- item" line per entry';
      if (iss.expected === 'number') return 'write a plain number';
      if (iss.expected === 'int') return 'drop the fraction';
      if (iss.expected === 'boolean') return 'write true or false';
      if (iss.expected === 'string') return 'quote the text';
      if (iss.expected === 'never') return 'remove it';
      return `write ${iss.expected}`;
    case 'too_small':
      return iss.origin === 'number' || iss.origin === 'int' ? `use a value >= ${iss.minimum}` : `give at least ${iss.minimum}`;
    case 'too_big':
      return iss.origin === 'number' || iss.origin === 'int' ? `use a value <= ${iss.maximum}` : `give at most ${iss.maximum}`;
    case 'invalid_value':
      return useOneOf(iss.values, iss.input);
    case 'invalid_union':
      if (iss.discriminator !== undefined && 'options' in iss && iss.options) {
        const v = (iss.input as Record<string, unknown> | undefined)?.[iss.discriminator];
        return v === undefined ? `add ${iss.discriminator}: one of ${iss.options.map(String).join(', ')}` : useOneOf(iss.options, v);
      }
      return "see the field's documentation for the forms it takes";
    default:
      return "see the field's documentation";
  }
}

function useOneOf(values: readonly unknown[], input: unknown): string {
  const words = values.map(String);
  const near = typeof input === 'string' ? closest(input, words) : undefined;
  return `use one of: ${words.join(', ')}${near ? ` (did you mean "${near}"?)` : ''}`;
}

interface Def {
  readonly type: string;
  readonly shape?: Record<string, Schema>;
  readonly innerType?: Schema;
  readonly in?: Schema;
  readonly out?: Schema;
  readonly element?: Schema;
  readonly items?: readonly Schema[];
  readonly rest?: Schema | null;
  readonly valueType?: Schema;
  readonly options?: readonly Schema[];
  readonly discriminator?: string;
  readonly left?: Schema;
  readonly right?: Schema;
  readonly getter?: () => Schema;
}
const defOf = (s: Schema): Def => s._zod.def as unknown as Def;
const accepts = (s: Schema, v: unknown): boolean => {
  const r = s['~standard'].validate(v);
  return !(r instanceof Promise) && r.issues === undefined;
};

/** The object schemas that may parse `value` (wrappers, pipes and union branches looked through). */
function objectsOf(s: Schema, value: unknown): Schema[] {
  const d = defOf(s);
  switch (d.type) {
    case 'object':
      return [s];
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'nonoptional':
    case 'catch':
    case 'success':
      return d.innerType ? objectsOf(d.innerType, value) : [];
    case 'pipe':
      return [...(d.in ? objectsOf(d.in, value) : []), ...(d.out ? objectsOf(d.out, value) : [])];
    case 'lazy':
      return d.getter ? objectsOf(d.getter(), value) : [];
    case 'intersection':
      return [...(d.left ? objectsOf(d.left, value) : []), ...(d.right ? objectsOf(d.right, value) : [])];
    case 'union': {
      const all = (d.options ?? []).flatMap((o) => objectsOf(o, value));
      const disc = d.discriminator;
      if (disc === undefined || value === null || typeof value !== 'object') return all;
      const v = (value as Record<string, unknown>)[disc];
      return all.filter((o) => {
        const field = defOf(o).shape?.[disc];
        return field === undefined || accepts(field, v);
      });
    }
    default:
      return [];
  }
}

/** What a value's field `key` is parsed by, in each object schema that may parse it. */
function childrenOf(s: Schema, value: unknown, key: PropertyKey): Schema[] {
  const d = defOf(s);
  switch (d.type) {
    case 'object':
      return typeof key === 'string' && d.shape?.[key] ? [d.shape[key] as Schema] : [];
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'nonoptional':
    case 'catch':
    case 'success':
      return d.innerType ? childrenOf(d.innerType, value, key) : [];
    case 'pipe':
      return [...(d.in ? childrenOf(d.in, value, key) : []), ...(d.out ? childrenOf(d.out, value, key) : [])];
    case 'lazy':
      return d.getter ? childrenOf(d.getter(), value, key) : [];
    case 'array':
      return typeof key === 'number' && d.element ? [d.element] : [];
    case 'tuple':
      return typeof key === 'number' ? [d.items?.[key] ?? d.rest ?? undefined].filter((x): x is Schema => x !== undefined) : [];
    case 'record':
      return d.valueType ? [d.valueType] : [];
    case 'union':
    case 'intersection':
      return objectsOf(s, value).flatMap((o) => childrenOf(o, value, key));
    default:
      return [];
  }
}

/** The fields an object at `path` of `doc` may have, in the schema's order. */
function keysAt(root: Schema, doc: unknown, path: readonly PropertyKey[]): string[] {
  let schemas = [root];
  let value = doc;
  for (const key of path) {
    schemas = schemas.flatMap((s) => childrenOf(s, value, key));
    value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  }
  return [...new Set(schemas.flatMap((s) => objectsOf(s, value)).flatMap((o) => Object.keys(defOf(o).shape ?? {})))];
}

/** Closest allowed word by edit distance (for "did you mean"). */
export function closest(word: string, options: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const o of options) {
    const d = editDistance(word.toLowerCase(), o.toLowerCase());
    if (d < bestD) {
      best = o;
      bestD = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0] as number;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j] as number;
      dp[j] = Math.min((dp[j] as number) + 1, (dp[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length] as number;
}
