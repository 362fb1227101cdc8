// Reads a text file line by line in fixed-size chunks, so that a history of millions
// of lines never sits in memory as one string.
import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/** Yields [lineNumber (1-based), text] for every line, without the line ending. */
export function* readLines(path: string, chunkBytes = 1 << 20): Generator<readonly [number, string]> {
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(chunkBytes);
  const dec = new StringDecoder('utf8');
  let rest = '';
  let n = 0;
  try {
    for (;;) {
      const got = readSync(fd, buf, 0, chunkBytes, null);
      const text = rest + (got > 0 ? dec.write(buf.subarray(0, got)) : dec.end());
      const lines = text.split('\n');
      rest = got > 0 ? (lines.pop() as string) : '';
      for (const l of lines) yield [++n, l.endsWith('\r') ? l.slice(0, -1) : l];
      if (got === 0) break;
    }
  } finally {
    closeSync(fd);
  }
}
