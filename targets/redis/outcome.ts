// What a canary learns from a Redis call that did not answer ok. `fail` only when the
// command certainly did not run: Redis refused it with an error it gives before
// executing anything (a replica's READONLY, LOADING, MASTERDOWN, ...), or it was never
// sent (no connection was ready). Everything else is `info`: a command that went out
// and got no answer (a timeout, a connection closed under it) may have run, and on a
// primary that is about to be demoted it often has.

import type { CallOutcome } from '../target.ts';

/** Error replies Redis gives instead of running the command (so it had no effect). */
const REFUSALS = [
  'READONLY',
  'LOADING',
  'MASTERDOWN',
  'BUSY',
  'NOREPLICAS',
  'OOM',
  'MISCONF',
  'NOSCRIPT',
  'NOAUTH',
  'NOPERM',
  'WRONGPASS',
  'CLUSTERDOWN',
  'TRYAGAIN',
] as const;

/** Said by the client when it sent nothing (no connection to a primary was ready in time). */
export const NOT_SENT = 'not sent: no connection to the primary was ready';
/** ioredis's words when a command is refused before it is written (offline queue off). */
const IOREDIS_NOT_WRITABLE = "Stream isn't writeable";

export const TIMEOUT = 'timeout';

export function errorOutcome(err: unknown): CallOutcome {
  const e = err as { name?: string; message?: string } | null;
  const message = String(e?.message ?? err);
  const code = message.split(' ')[0] ?? '';
  // a ReplyError is the server's own answer; its first word is the error code
  if (e?.name === 'ReplyError' && (REFUSALS as readonly string[]).includes(code)) return { type: 'fail', error: oneLine(message) };
  if (message.startsWith(NOT_SENT) || message.startsWith(IOREDIS_NOT_WRITABLE)) return { type: 'fail', error: NOT_SENT };
  if (message === TIMEOUT) return { type: 'info', error: TIMEOUT };
  // sent, and the connection went before the answer (ioredis flushes it as MaxRetriesPerRequestError), or anything else
  return { type: 'info', error: oneLine(message) };
}

const oneLine = (s: string): string => s.split('\n')[0]?.slice(0, 200) ?? '';
