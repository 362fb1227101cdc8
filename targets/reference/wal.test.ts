// The reference cluster's two WAL formats (builds v1 and v2) read each other's files,
// so a rolling upgrade and its downgrade keep every entry; a v2 line whose checksum
// fails ends the log there, as a torn line does.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readWal, Wal, walLine, type Entry } from './wal.ts';

const entries: Entry[] = [
  { seq: 1, term: 1, cmd: { op: 'noop' } },
  { seq: 2, term: 1, cmd: { op: 'put', key: 'k', value: 'v' } },
  { seq: 3, term: 2, cmd: { op: 'delete', key: 'k' } },
];

test('a log written by v1 then v2 (and back) reads whole in either build', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'gameday-wal-')), 'g0.wal');
  const v1 = new Wal(path, { format: 1 });
  await v1.open();
  await v1.append(entries.slice(0, 1));
  await v1.close();
  const v2 = new Wal(path, { format: 2 });
  await v2.open();
  await v2.append(entries.slice(1, 2));
  await v2.close();
  const back = new Wal(path, { format: 1 });
  await back.open();
  await back.append(entries.slice(2));
  await back.close();
  assert.deepEqual(readWal(path), entries);
  assert.match(readFileSync(path, 'utf8').split('\n')[1] ?? '', /"sum":"[0-9a-f]{12}"/);
});

test('a v2 line whose checksum fails ends the log there', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'gameday-wal-')), 'g0.wal');
  writeFileSync(path, walLine(entries[0] as Entry, 2) + walLine(entries[1] as Entry, 2).replace('"v"', '"w"'));
  appendFileSync(path, walLine(entries[2] as Entry, 2));
  assert.deepEqual(readWal(path), entries.slice(0, 1));
});
