// The term (ballot) of one replica of one replication group and whom it voted for in
// that term, kept beside the group's WAL (`<group>.term`). Saved (write, fdatasync,
// rename, fsync of the folder) before a vote is granted or an append of a newer term
// is acknowledged: a node that forgot it voted in a term could vote again after a
// power-off, and two leaders could then be elected in the same term.
//
// Bug mode `forgetTerm`: the term lives in the process's memory only; after a
// power-off the node starts again from the term of its last log entry and no vote.

import { closeSync, existsSync, fdatasyncSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface TermState {
  readonly term: number;
  readonly votedFor: string | null;
}

export class TermStore {
  private readonly path: string;
  private state: TermState;

  constructor(
    dataDir: string,
    group: string,
    private readonly forget: boolean,
    lastLogTerm: number,
    /** The file's name (a log replica's is `<group>.logterm`). */
    file = `${group}.term`,
  ) {
    this.path = join(dataDir, file);
    const saved = !forget && existsSync(this.path) ? (JSON.parse(readFileSync(this.path, 'utf8')) as TermState) : undefined;
    // a log entry of a later term than the saved one cannot exist (it is saved first), but a lost file must not go back
    this.state = saved && saved.term >= lastLogTerm ? saved : { term: lastLogTerm, votedFor: null };
  }

  get term(): number {
    return this.state.term;
  }

  get votedFor(): string | null {
    return this.state.votedFor;
  }

  /** Durable before it returns (unless the forget-term bug mode is on). */
  save(next: TermState): void {
    if (next.term === this.state.term && next.votedFor === this.state.votedFor) return;
    this.state = next;
    if (this.forget) return;
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w');
    writeSync(fd, JSON.stringify(next));
    fdatasyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.path);
    const dfd = openSync(dirname(this.path), 'r');
    fsyncSync(dfd);
    closeSync(dfd);
  }
}
