// `npm run schema`: writes experiments/schema.json, the JSON Schema of experiment
// files generated from the zod schema (harness/experiment/json-schema.ts). Run it
// after changing the schema; harness/experiment/json-schema.test.ts fails until then.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCHEMA_FILE, jsonSchemaText } from '../harness/experiment/json-schema.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
writeFileSync(join(root, SCHEMA_FILE), jsonSchemaText());
process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
