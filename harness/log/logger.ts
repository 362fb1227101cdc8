// Logs: pino JSON lines into <runDir>/gameday.log (everything, debug and up), and
// readable progress on the terminal (info and up) as "  +12.3s  message".
// On a terminal (the stream is a TTY) the run's progress is one status line, redrawn
// in place under the log lines; elsewhere (a file, a pipe, CI) each progress record is
// a plain line, so logs keep it. The history is evidence and never travels through the logger.

import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

/** What a progress record carries (run.ts writes it every couple of seconds while canaries run). */
export interface ProgressRecord {
  readonly phase: string;
  readonly elapsedMs: number;
  /** the phase's planned length, when it has one */
  readonly totalMs?: number;
  readonly opsPerSec: number;
  readonly errorRate: number;
  /** share of failed calls per AZ since the last record */
  readonly errorRateByAz?: Readonly<Record<string, number>>;
  /** faults in force, as "id kind nodes" */
  readonly faults?: readonly string[];
  readonly inAlarm: readonly string[];
}

const pct = (r: number): string => `${(100 * r).toFixed(1)}%`;
const secs = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;

/** The one status line of a terminal: phase and time left, rate, failures per AZ, faults in force, alarms in ALARM. */
export function formatStatus(p: ProgressRecord): string {
  const when = p.totalMs !== undefined ? `${p.phase} ${secs(Math.max(0, p.totalMs - p.elapsedMs))} left` : `${p.phase} ${secs(p.elapsedMs)}`;
  const byAz =
    p.errorRateByAz && Object.keys(p.errorRateByAz).length
      ? Object.entries(p.errorRateByAz)
          .map(([az, r]) => `${az} ${pct(r)}`)
          .join(' ')
      : pct(p.errorRate);
  const faults = p.faults?.length ? p.faults.join('; ') : 'none';
  const alarms = p.inAlarm.length ? p.inAlarm.join(', ') : 'none';
  return `${when} | ${p.opsPerSec} ops/s | failed ${byAz} | faults ${faults} | ALARM ${alarms}`;
}

/** Cut a line to the terminal's width (a wrapped status line could not be redrawn in place). */
const fit = (s: string, columns: number | undefined): string => {
  const w = Math.max(20, (columns || 100) - 1); // 0 or unknown (a pseudo-terminal with no size): 100
  return s.length > w ? `${s.slice(0, w - 1)}…` : s;
};

const CLEAR = '\r\x1b[2K';

export function createRunLogger(
  file: string,
  opts: { quiet: boolean; clock: () => number; out?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }; tty?: boolean },
): Logger {
  const out = opts.out ?? process.stderr;
  const tty = opts.tty ?? out.isTTY === true;
  let status: string | undefined; // the status line on screen, when there is one
  const terminal = new Writable({
    write(chunk: Buffer, _enc, cb) {
      try {
        const rec = JSON.parse(chunk.toString('utf8')) as { level: number; msg: string; progress?: ProgressRecord; progressDone?: true };
        if (tty && rec.progressDone && status !== undefined) {
          out.write(CLEAR); // the run is past its canaries: the status line gives way to plain lines
          status = undefined;
        }
        if (tty && rec.progress) {
          status = fit(formatStatus(rec.progress), out.columns);
          out.write(`${CLEAR}${status}`);
        } else {
          const t = (opts.clock() / 1000).toFixed(1).padStart(6);
          const mark = rec.level >= 50 ? '!! ' : rec.level >= 40 ? '!  ' : '   ';
          const line = `${mark}+${t}s  ${rec.msg}\n`;
          // a log line goes above the status line, which is drawn again under it
          out.write(status !== undefined ? `${CLEAR}${line}${status}` : line);
        }
      } catch {
        /* not ours */
      }
      cb();
    },
  });
  const streams: pino.StreamEntry[] = [{ level: 'debug', stream: pino.destination({ dest: file, sync: true, mkdir: true }) }];
  if (!opts.quiet) streams.push({ level: 'info', stream: terminal });
  return pino({ level: 'debug', base: null, timestamp: pino.stdTimeFunctions.isoTime }, pino.multistream(streams));
}

export const silentLogger = (): Logger => pino({ level: 'silent' });
