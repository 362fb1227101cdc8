// The JSON Schema of experiment files, generated from the zod schema (the file as
// written: kebab-case fields, durations as text), so editors complete and check them:
// experiments/schema.json, which each experiment names on its first line
// (`# yaml-language-server: $schema=./schema.json`). `npm run schema` rewrites it;
// a test fails when the committed file is out of date.

import { z } from 'zod';
import { experimentSchema } from './schema.ts';

/** Where the generated schema is kept, from the package root. */
export const SCHEMA_FILE = 'experiments/schema.json';

export function experimentJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(experimentSchema, { io: 'input', target: 'draft-07', unrepresentable: 'any' });
}

/** The file's text: stable, two-space JSON with a final newline. */
export const jsonSchemaText = (): string => `${JSON.stringify(experimentJsonSchema(), null, 2)}\n`;
