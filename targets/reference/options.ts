// The bundled reference cluster's settings, in the experiment file's target.options
// (checked before anything starts; a bad one is exit 2 naming
// target.options.<field>):
//
//   target:
//     name: reference
//     options:
//       log-replica-after: 5s   # or never (default 2s)
//
// log-replica-after: how long a storage member of a group may confirm nothing before
// the group's leader puts a log replica in its place (README: "Log replicas"); never
// turns log replicas off, so a group that has lost two of its three storage
// replicas writes nothing until one is back.

import { z } from 'zod';
import { duration } from '../../harness/experiment/fields.ts';
import { DEFAULT_LOG_REPLICA_AFTER_MS } from './config.ts';
/** What `never` becomes in a node's configuration (JSON has no Infinity): longer than any run may last. */
export const NEVER_MS = Number.MAX_SAFE_INTEGER;

const AFTER = duration({ min: 1000, max: 3_600_000 });

export const referenceOptions = z.strictObject({
  'log-replica-after': z
    .unknown()
    .transform((v, ctx) => {
      if (v === 'never') return NEVER_MS;
      // shorter than the longest election timeout, a member would be replaced whenever a leader changes
      const r = AFTER.safeParse(v);
      if (r.success) return r.data;
      for (const i of r.error.issues) ctx.issues.push({ code: 'custom', message: i.message, input: v });
      return z.NEVER;
    })
    .default(DEFAULT_LOG_REPLICA_AFTER_MS)
    .meta({ description: 'how long a silent storage replica keeps its place before a log replica takes it (1s to 1h), or never' }),
});

export type ReferenceSettings = z.output<typeof referenceOptions>;
