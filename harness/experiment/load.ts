// Reads and validates an experiment file. Every problem is reported at once as a
// UsageError (exit 2), before anything is started.

import { readFileSync, statSync } from 'node:fs';
import { parse } from 'yaml';
import { UsageError } from '../cli/errors.ts';
import { parseExperiment, type Experiment } from './schema.ts';

export function loadExperiment(file: string): Experiment {
  let text: string;
  try {
    if (statSync(file).isDirectory()) throw new UsageError(`${file} is a folder`, 'pass an experiment file such as experiments/power-off.yaml');
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot read experiment file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'check the path; ready files are in experiments/ (e.g. experiments/power-off.yaml)', file);
  }
  let doc: unknown;
  try {
    doc = parse(text, { prettyErrors: true, uniqueKeys: true });
  } catch (err) {
    const first = (err as Error).message.split('\n')[0];
    throw new UsageError(`not valid YAML: ${first}`, 'fix the YAML syntax at the line it names', file);
  }
  const { experiment, problems } = parseExperiment(doc, file);
  if (!experiment) {
    const lines = problems.map((p) => `${file}: ${p.path || '(top)'}: ${p.message}\n    fix: ${p.fix}`);
    const first = problems[0];
    const err = new UsageError(
      `${problems.length} problem${problems.length === 1 ? '' : 's'} in the experiment file:\n  ${lines.join('\n  ')}`,
      first ? first.fix : 'fix the fields named above',
    );
    throw err;
  }
  return experiment;
}
