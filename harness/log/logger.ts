// Logs: pino JSON lines into <runDir>/gameday.log (everything, debug and up), and
// readable progress on the terminal (info and up) as "  +12.3s  message".
// The history is evidence and never travels through the logger.

import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

export function createRunLogger(file: string, opts: { quiet: boolean; clock: () => number; out?: NodeJS.WritableStream }): Logger {
  const out = opts.out ?? process.stderr;
  const terminal = new Writable({
    write(chunk: Buffer, _enc, cb) {
      try {
        const rec = JSON.parse(chunk.toString('utf8')) as { level: number; msg: string };
        const t = (opts.clock() / 1000).toFixed(1).padStart(6);
        const mark = rec.level >= 50 ? '!! ' : rec.level >= 40 ? '!  ' : '   ';
        out.write(`${mark}+${t}s  ${rec.msg}\n`);
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
