// Write-ahead log of one replica of one replication group: one NDJSON line per entry,
// appended and fsynced (fdatasync) before the append resolves. Appends that arrive
// while a sync is in flight are written together with the next one (group commit).
//
// Bug mode `skipFsync`: entries are kept in the process's own memory and written out
// (without fsync) only every `flushIntervalMs`, like a database that trusts its write
// buffer. A SIGKILL loses that buffer exactly as a power cut loses the page cache
// (a plain write() without fsync would survive SIGKILL of a process, because the
// kernel still holds the data; the buffer makes the simulated power cut honest).

import { closeSync, existsSync, fdatasyncSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

export type Command =
  | { readonly op: 'put'; readonly key: string; readonly value: string }
  | { readonly op: 'delete'; readonly key: string }
  /**
   * Written by a new leader first, so that everything before it commits in its term. It
   * names the leader: two leaders of one term (a split brain) then leave two different
   * entries under one (seq, term), which the wal-reference scrub reports as a conflict.
   */
  | { readonly op: 'noop'; readonly leader?: string }
  /** The group's membership from here on (the last one in a replica's log is in force, committed or not; group.ts). */
  | { readonly op: 'config'; readonly members: readonly Member[] };

/** A voting member of a replication group: a storage replica, or a log replica (keeps the log only; never leads, serves no reads). */
export interface Member {
  readonly id: string;
  readonly kind: 'storage' | 'log';
}

export interface Entry {
  readonly seq: number;
  /** Term of the leader that wrote it; two entries with the same seq and term are identical (one leader per term). */
  readonly term: number;
  readonly cmd: Command;
}

export interface WalOptions {
  readonly skipFsync?: boolean;
  readonly flushIntervalMs?: number;
  /** 1: `{seq, term, cmd}` per line; 2 (build v2): the same with `sum`, a checksum of the entry, checked on reading. Both read either. */
  readonly format?: 1 | 2;
}

const sumOf = (e: Entry): string =>
  createHash('sha256')
    .update(JSON.stringify([e.seq, e.term, e.cmd]))
    .digest('hex')
    .slice(0, 12);

/** One WAL line in the given format. */
export function walLine(e: Entry, format: 1 | 2 = 1): string {
  const plain = { seq: e.seq, term: e.term, cmd: e.cmd };
  return JSON.stringify(format === 2 ? { ...plain, sum: sumOf(plain) } : plain) + '\n';
}

/** Reads a WAL file of either format; a torn last line (power cut mid-write), or a v2 line whose checksum fails, ends it. */
export function readWal(path: string): Entry[] {
  return readWalFile(path).entries;
}

/** readWal, and where it stopped reading when a line did not parse or failed its checksum (1-based line number). */
export function readWalFile(path: string): { entries: Entry[]; stopped?: { line: number; reason: 'torn' | 'checksum' } } {
  if (!existsSync(path)) return { entries: [] };
  const out: Entry[] = [];
  const lines = readFileSync(path, 'utf8').split('\n');
  for (const [i, line] of lines.entries()) {
    if (line === '') continue;
    let e: Entry & { sum?: string };
    try {
      e = JSON.parse(line) as Entry & { sum?: string };
    } catch {
      return { entries: out, stopped: { line: i + 1, reason: 'torn' } }; // torn tail
    }
    const entry: Entry = { seq: e.seq, term: e.term, cmd: e.cmd };
    if (e.sum !== undefined && e.sum !== sumOf(entry)) return { entries: out, stopped: { line: i + 1, reason: 'checksum' } }; // damaged line
    out.push(entry);
  }
  return { entries: out };
}

export class Wal {
  private fh: FileHandle | undefined;
  private queue: { data: string; resolve: () => void; reject: (e: Error) => void }[] = [];
  private flushing = false;
  private buffer: string[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly path: string,
    private readonly opts: WalOptions = {},
  ) {}

  async open(): Promise<void> {
    this.fh = await open(this.path, 'a');
    if (this.opts.skipFsync) {
      this.timer = setInterval(() => void this.writeBuffer(), this.opts.flushIntervalMs ?? 5000);
      this.timer.unref();
    }
  }

  append(entries: readonly Entry[]): Promise<void> {
    const data = entries.map((e) => walLine(e, this.opts.format)).join('');
    if (this.opts.skipFsync) {
      this.buffer.push(data);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ data, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        try {
          const fh = this.fh;
          if (!fh) throw new Error(`WAL ${this.path} is not open`);
          await fh.write(batch.map((b) => b.data).join(''));
          await fh.datasync();
          for (const b of batch) b.resolve();
        } catch (err) {
          for (const b of batch) b.reject(err as Error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private async writeBuffer(): Promise<void> {
    if (this.buffer.length === 0 || !this.fh) return;
    const data = this.buffer.join('');
    this.buffer = [];
    await this.fh.write(data);
  }

  /** Replaces the whole log (after a follower's log diverged from its leader's). Durable unless skipFsync. */
  rewrite(entries: readonly Entry[]): void {
    this.buffer = [];
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w');
    writeSync(fd, entries.map((e) => walLine(e, this.opts.format)).join(''));
    if (!this.opts.skipFsync) fdatasyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.path);
    if (!this.opts.skipFsync) {
      const dfd = openSync(dirname(this.path), 'r');
      fsyncSync(dfd);
      closeSync(dfd);
    }
  }

  /** Reopen after rewrite (the old handle points at the replaced inode). */
  async reopen(): Promise<void> {
    await this.fh?.close();
    this.fh = await open(this.path, 'a');
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.writeBuffer();
    await this.fh?.close();
    this.fh = undefined;
  }
}
