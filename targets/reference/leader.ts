// The leader of a replication group for one term (group.ts elects it). It first
// writes a no-op entry of its term, so that whatever earlier leaders left in its log
// commits with it; then it orders writes: each is appended to its own WAL (fsync),
// replicated to both followers, and acknowledged once a follower has it on disk too
// (2 of 3 replicas). An entry commits by counting replicas only when it is of the
// leader's own term (Raft's rule; earlier ones commit with it).
//
// Strong reads need a lease: a follower that confirmed an append sent at time t
// promises not to help elect anyone before t + the shortest election timeout, so the
// leader serves reads until t + leaseMs (leaseMs is shorter), measured from before it
// sent that append. Bug mode no-lease: it serves them while it believes it leads.
//
// Every count is a majority of the group's current membership (membership.ts: the
// last config entry in the log, else the three storage replicas). Log replicas: a
// storage member that confirmed nothing for logReplicaAfterMs is replaced, one member
// per config entry, each once the one before committed (and the leader's no-op did):
// add a log replica L on another live storage node (the other node of the down
// replica's AZ first), then remove the down replica C. C stays a learner (it is sent
// appends, it counts for nothing); once it is back and caught up: add C back, remove
// L, then tell L to retire (once it has the entry that removed it). A log replica L
// that confirms nothing for logReplicaAfterMs in turn (C still away) is replaced the
// same way: a new log replica L' caught up, added (two log replicas, 4 members), then
// L removed and told to retire when it is back.

import { callJson, sleep } from './http.ts';
import { quorumValue, singleChange, staticMembers } from './membership.ts';
import { applyCommand, type ReplicaLog } from './replica.ts';
import type { AppendRequest, AppendResponse } from './follower.ts';
import type { Command, Entry, Member } from './wal.ts';

export interface LeaderOptions {
  readonly self: string;
  readonly term: number;
  /** The group's storage replicas (the static spec, self included): always sent appends, members or learners. */
  readonly replicas: readonly string[];
  /** Every storage node of the cluster with its AZ (where a log replica may go). */
  readonly storageNodes: readonly { readonly id: string; readonly az: string }[];
  readonly urlOf: (id: string) => string;
  /** A storage member that confirmed nothing for this long is replaced by a log replica. */
  readonly logReplicaAfterMs: number;
  /** A learner that confirmed an append this recently, and has everything committed, is caught up. */
  readonly caughtUpMs: number;
  readonly say: (what: string) => void;
  /** Bug mode: acknowledge as soon as the leader's own WAL has it, before a quorum does. */
  readonly ackBeforeQuorum: boolean;
  /** Bug mode: serve strong reads without a lease. */
  readonly noLease: boolean;
  readonly quorumTimeoutMs: number;
  readonly heartbeatMs: number;
  readonly leaseMs: number;
  /** A follower answered with a later term: the group steps down. */
  readonly onHigherTerm: (term: number) => void;
}

export type WriteRequest =
  | { readonly op: 'put'; readonly key: string; readonly value: string }
  | { readonly op: 'delete'; readonly key: string }
  | { readonly op: 'cas'; readonly key: string; readonly expected: string | null; readonly value: string };

export type WriteResult =
  | { readonly status: 200; readonly body: { readonly ok: true; readonly seq: number } }
  | { readonly status: 409; readonly body: { readonly ok: false; readonly error: string; readonly current: string | null } }
  | { readonly status: 503; readonly body: { readonly ok: false; readonly error: string; readonly indeterminate: boolean } };

interface FollowerState {
  readonly id: string;
  readonly url: string;
  /** Appends ask the node to host a log replica of the group if it does not (a log member). */
  readonly asLogReplica: boolean;
  /** No longer replicated to (its loop ends). */
  gone: boolean;
  /** The node answered that it holds no replica of the group (a log replica retired already). */
  absent: boolean;
  nextSeq: number;
  matchSeq: number;
  /** When the last append this follower confirmed was sent (performance.now()). */
  ackedSentAt: number;
}

const BATCH = 500;

export class Leader {
  readonly since = performance.now();
  /** State after every entry in the log, committed or not (what a compare-and-set compares with). */
  private readonly head = new Map<string, string>();
  private durableSeq: number;
  private noopSeq = Number.POSITIVE_INFINITY;
  private readonly followers = new Map<string, FollowerState>();
  private ticker: NodeJS.Timeout | undefined;
  /** A membership change is being decided or written. */
  private changing = false;
  /** Log replicas this leader has seen retired (or found gone). */
  private readonly retired = new Set<string>();
  private retiring = new Set<string>();
  /** A log replica being caught up as a learner before it is added (so that adding it does not hold commits up while it fetches the log). */
  private joining: { readonly id: string; readonly down: string; readonly since: number } | undefined;
  /** Learners given up on before they were added (told to retire like removed log replicas). */
  private readonly abandoned = new Set<string>();
  private waiters: { seq: number; resolve: (ok: boolean) => void }[] = [];
  private kick: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly log: ReplicaLog,
    private readonly opts: LeaderOptions,
  ) {
    for (const [k, v] of log.committed) this.head.set(k, v);
    for (const e of log.entries.slice(log.appliedSeq)) applyCommand(this.head, e.cmd);
    this.durableSeq = log.lastSeq;
  }

  /** The membership in force: the last config entry in the log, else the static spec. */
  members(): readonly Member[] {
    return this.log.config()?.members ?? staticMembers(this.opts.replicas);
  }

  get term(): number {
    return this.opts.term;
  }

  start(): void {
    this.append({ op: 'noop', leader: this.opts.self }).then(
      (seq) => {
        if (seq !== undefined) this.noopSeq = seq;
      },
      () => this.opts.onHigherTerm(this.opts.term), // its own WAL failed: step down, another replica can lead
    );
    this.syncFollowers();
    this.ticker = setInterval(() => this.tick(), this.opts.heartbeatMs);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.ticker);
    this.wake();
    for (const w of this.waiters) w.resolve(false);
    this.waiters = [];
  }

  /** Until when (performance.now()) a strong read may be served: a follower's promise, counted from before the append it confirmed was sent. */
  leaseUntil(): number {
    return this.quorumConfirmedAt() + this.opts.leaseMs;
  }

  /** When a quorum last confirmed this leader (the newest append a majority with the leader confirmed, or the election). */
  lastQuorumAt(): number {
    return Math.max(this.since, this.quorumConfirmedAt());
  }

  /** The latest send time that a majority of the members (the leader counting as always) confirmed. */
  private quorumConfirmedAt(): number {
    const at = (id: string): number => (id === this.opts.self ? Number.POSITIVE_INFINITY : (this.followers.get(id)?.ackedSentAt ?? Number.NEGATIVE_INFINITY));
    return quorumValue(this.members(), at, Number.NEGATIVE_INFINITY);
  }

  /** The committed value for a strong read, or why this leader may not serve one now. */
  read(key: string): { readonly value: string | null } | { readonly refused: string } {
    if (this.log.commitSeq < this.noopSeq) return { refused: `leader of term ${this.opts.term} has not committed an entry of its term yet` };
    if (!this.opts.noLease && performance.now() >= this.leaseUntil())
      return { refused: `leader of term ${this.opts.term} holds no lease (no follower confirmed it within ${this.opts.leaseMs} ms)` };
    return { value: this.log.committed.get(key) ?? null };
  }

  async write(req: WriteRequest): Promise<WriteResult> {
    let cmd: Command;
    if (req.op === 'cas') {
      const current = this.head.get(req.key) ?? null;
      if (current !== req.expected) {
        // The value it differs from may belong to a write that is not committed yet:
        // answer only once everything this decision saw is committed, or a read that
        // follows could still see the older value (caught by the linearizable check).
        const seen = this.log.lastSeq;
        if (await this.waitCommit(seen)) return { status: 409, body: { ok: false, error: 'precondition failed', current } };
        return { status: 503, body: { ok: false, error: 'no quorum to confirm the current value; not applied', indeterminate: false } };
      }
      cmd = { op: 'put', key: req.key, value: req.value };
    } else cmd = req;
    let seq: number | undefined;
    try {
      seq = await this.append(cmd);
    } catch (err) {
      return { status: 503, body: { ok: false, error: `wal: ${(err as Error).message}`, indeterminate: true } };
    }
    if (seq === undefined) return { status: 503, body: { ok: false, error: 'no longer the leader', indeterminate: true } };
    if (this.opts.ackBeforeQuorum) return { status: 200, body: { ok: true, seq } };
    const ok = await this.waitCommit(seq);
    if (ok) return { status: 200, body: { ok: true, seq } };
    return { status: 503, body: { ok: false, error: 'no quorum: no follower confirmed the write in time', indeterminate: true } };
  }

  status(): { term: number; lastSeq: number; commitSeq: number; followers: { id: string; matchSeq: number }[] } {
    return {
      term: this.opts.term,
      lastSeq: this.log.lastSeq,
      commitSeq: this.log.commitSeq,
      followers: [...this.followers.values()].map((f) => ({ id: f.id, matchSeq: f.matchSeq })),
    };
  }

  /** Appends one entry of this term to the leader's own WAL; its seq once durable (undefined if the leader stopped meanwhile). */
  private async append(cmd: Command): Promise<number | undefined> {
    if (this.stopped) return undefined;
    const entry: Entry = { seq: this.log.lastSeq + 1, term: this.opts.term, cmd };
    this.log.entries.push(entry);
    applyCommand(this.head, cmd);
    await this.log.wal.append([entry]);
    if (this.stopped) return undefined;
    if (entry.seq > this.durableSeq) this.durableSeq = entry.seq;
    this.wake();
    return entry.seq;
  }

  private waitCommit(seq: number): Promise<boolean> {
    if (this.log.commitSeq >= seq) return Promise.resolve(true);
    if (this.stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      const w = { seq, resolve };
      this.waiters.push(w);
      setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) {
          this.waiters.splice(i, 1);
          resolve(false);
        }
      }, this.opts.quorumTimeoutMs).unref();
    });
  }

  private advanceCommit(): void {
    const match = (id: string): number => (id === this.opts.self ? this.durableSeq : (this.followers.get(id)?.matchSeq ?? 0));
    const best = quorumValue(this.members(), match);
    if (best <= this.log.commitSeq || this.log.termAt(best) !== this.opts.term) return;
    this.log.commitTo(best);
    const done = this.waiters.filter((w) => w.seq <= this.log.commitSeq);
    this.waiters = this.waiters.filter((w) => w.seq > this.log.commitSeq);
    for (const w of done) w.resolve(true);
  }

  private wake(): void {
    const k = this.kick;
    this.kick = [];
    for (const f of k) f();
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.kick.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  private async replicate(f: FollowerState): Promise<void> {
    while (!this.stopped && !f.gone) {
      const from = f.nextSeq;
      const to = Math.min(this.durableSeq, from + BATCH - 1);
      const entries = this.log.entries.slice(from - 1, to);
      const prevSeq = from - 1;
      const req: AppendRequest = {
        group: this.log.group,
        term: this.opts.term,
        leader: this.opts.self,
        prevSeq,
        prevTerm: this.log.termAt(prevSeq),
        entries,
        commitSeq: this.log.commitSeq,
        ...(f.asLogReplica ? { asLogReplica: true } : {}),
      };
      const sentAt = performance.now();
      try {
        const res = await callJson(`${f.url}/repl/append`, 'POST', req, Math.max(300, this.opts.quorumTimeoutMs));
        if (this.stopped || f.gone) return;
        const b = res.body as unknown as AppendResponse;
        if (res.status === 404 && !f.asLogReplica) f.absent = true;
        if (res.status !== 200) {
          await sleep(this.opts.heartbeatMs);
          continue;
        }
        if (b.term > this.opts.term) {
          this.opts.onHigherTerm(b.term);
          return;
        }
        if (b.ok) {
          f.matchSeq = Math.max(f.matchSeq, prevSeq + entries.length);
          f.nextSeq = prevSeq + entries.length + 1;
          if (sentAt > f.ackedSentAt) f.ackedSentAt = sentAt;
          this.advanceCommit();
        } else if (b.nextSeq === undefined) {
          await sleep(this.opts.heartbeatMs); // refused without a hint (another leader of this term): try again later
          continue;
        } else {
          f.nextSeq = Math.max(1, Math.min(b.nextSeq, prevSeq));
          if (f.matchSeq >= f.nextSeq) f.matchSeq = f.nextSeq - 1;
          continue;
        }
      } catch {
        await sleep(this.opts.heartbeatMs);
        continue;
      }
      if (f.nextSeq > this.durableSeq) await this.idle(this.opts.heartbeatMs);
    }
  }

  /** The followers: the static spec's other replicas, the log members, and log replicas still to retire. */
  private syncFollowers(): void {
    const want = new Map<string, boolean>();
    for (const id of this.opts.replicas) if (id !== this.opts.self) want.set(id, false);
    for (const m of this.members()) if (m.kind === 'log' && m.id !== this.opts.self) want.set(m.id, true);
    if (this.joining && !want.has(this.joining.id)) want.set(this.joining.id, true);
    for (const id of this.retiring) if (!want.has(id)) want.set(id, false);
    for (const [id, f] of this.followers) {
      if (want.get(id) !== f.asLogReplica) {
        f.gone = true;
        this.followers.delete(id);
      }
    }
    for (const [id, asLogReplica] of want) {
      if (this.followers.has(id)) continue;
      const f: FollowerState = {
        id,
        url: this.opts.urlOf(id),
        asLogReplica,
        gone: false,
        absent: false,
        nextSeq: this.log.lastSeq + 1,
        matchSeq: 0,
        ackedSentAt: Number.NEGATIVE_INFINITY,
      };
      this.followers.set(id, f);
      void this.replicate(f);
    }
    this.wake();
  }

  private tick(): void {
    if (this.stopped) return;
    const cfg = this.log.config();
    const settled = (cfg?.seq ?? 0) <= this.log.commitSeq && this.log.commitSeq >= this.noopSeq;
    // log replicas named by an earlier config but not by the committed current one are told to retire
    if (settled)
      this.retiring = new Set(
        [...this.log.logMembersEver(), ...this.abandoned].filter(
          (id) => !this.retired.has(id) && id !== this.joining?.id && !this.members().some((m) => m.id === id),
        ),
      );
    this.syncFollowers();
    if (settled) for (const id of this.retiring) this.retire(id, cfg?.seq ?? 0);
    if (this.changing || !settled) return;
    const members = this.members();
    const now = performance.now();
    const confirmed = (id: string): number => Math.max(this.since, this.followers.get(id)?.ackedSentAt ?? Number.NEGATIVE_INFINITY);
    const quiet = (id: string): boolean => id !== this.opts.self && now - confirmed(id) > this.opts.logReplicaAfterMs;
    const silent = members.find((m) => m.kind === 'storage' && quiet(m.id));
    const logs = members.filter((m) => m.kind === 'log');
    const j = this.joining;
    if (j) {
      // a log replica caught up as a learner in place of a silent member (a storage replica, or a log replica that
      // failed in turn): added once it has everything committed; given up if that member answers again
      const f = this.followers.get(j.id);
      if (members.length !== 3 || !members.some((m) => m.id === j.down) || !quiet(j.down)) this.abandon(`${j.down} is back`);
      else if (f && f.matchSeq >= this.log.commitSeq && now - f.ackedSentAt < this.opts.caughtUpMs) {
        this.joining = undefined;
        this.propose([...members, { id: j.id, kind: 'log' }], `adds log replica ${j.id} in place of ${j.down}`);
      } else if (now - j.since > 5 * this.opts.logReplicaAfterMs) this.abandon('it did not catch up');
      return;
    }
    if (logs.length === 0) {
      // the static three: one of them silent too long gets a log replica in its place, caught up first as a learner
      if (members.length === 3 && silent) void this.chooseLogReplica(members, silent.id);
    } else if (members.length === 4 && logs.length === 2) {
      // a failed log replica's successor was added: the failed one goes (the older one if both answer again)
      const gone = logs.find((l) => quiet(l.id)) ?? (logs[0] as Member);
      this.propose(
        members.filter((m) => m.id !== gone.id),
        `removes log replica ${gone.id}`,
      );
    } else if (members.length === 4) {
      // a silent storage member goes (it was just replaced); else everyone is back: the log replica goes
      if (silent)
        this.propose(
          members.filter((m) => m.id !== silent.id),
          `removes ${silent.id}`,
        );
      else {
        const l = logs[0] as Member;
        this.propose(
          members.filter((m) => m.id !== l.id),
          `removes log replica ${l.id}`,
        );
      }
    } else {
      // a static replica that is back and caught up joins again (as a learner it has been sent everything)
      const back = this.opts.replicas.find((id) => {
        const f = this.followers.get(id);
        return !members.some((m) => m.id === id) && f !== undefined && now - f.ackedSentAt < this.opts.caughtUpMs && f.matchSeq >= this.log.commitSeq;
      });
      if (back) {
        const storage = members.filter((m) => m.kind === 'storage');
        this.propose([...storage, { id: back, kind: 'storage' }, ...logs], `adds ${back} back`);
      } else {
        // the log replica standing in for it failed too: another one takes its place, the same way
        const failed = logs.find((l) => quiet(l.id));
        if (failed) void this.chooseLogReplica(members, failed.id);
      }
    }
  }

  /** Appends a config entry (one member added or removed, the previous one committed: checked by tick()). */
  private propose(members: readonly Member[], what: string): void {
    if (this.stopped || this.changing) return;
    const change = singleChange(this.members(), members);
    if ('problem' in change) {
      this.opts.say(`does not change its membership: the change ${change.problem}`);
      return;
    }
    this.changing = true;
    this.opts.say(what);
    const order = new Map(this.opts.replicas.map((id, i) => [id, i]));
    const sorted = [...members].sort((a, b) => (a.kind === b.kind ? (order.get(a.id) ?? 9) - (order.get(b.id) ?? 9) : a.kind === 'storage' ? -1 : 1));
    this.append({ op: 'config', members: sorted })
      .then(
        () => this.syncFollowers(),
        () => this.opts.onHigherTerm(this.opts.term),
      )
      .finally(() => {
        this.changing = false;
      });
  }

  private abandon(why: string): void {
    const j = this.joining;
    if (!j) return;
    this.joining = undefined;
    this.abandoned.add(j.id);
    this.opts.say(`gives up log replica ${j.id} (${why})`);
  }

  /** Picks a live storage node for a log replica in place of `down` (the other node of its AZ first, then by id) and starts catching it up. */
  private async chooseLogReplica(members: readonly Member[], down: string): Promise<void> {
    this.changing = true;
    const azOf = new Map(this.opts.storageNodes.map((n) => [n.id, n.az]));
    // not one being told to retire: a retirement landing after it was chosen again would wipe a log it is counted for
    const taken = new Set([...this.opts.replicas, ...members.map((m) => m.id), ...this.retiring, ...this.retiringNow]);
    const candidates = this.opts.storageNodes
      .filter((n) => !taken.has(n.id))
      .sort((a, b) => Number(b.az === azOf.get(down)) - Number(a.az === azOf.get(down)) || a.id.localeCompare(b.id));
    const seq = this.log.config()?.seq ?? 0;
    let chosen: string | undefined;
    for (const n of candidates) {
      try {
        const r = await callJson(`${this.opts.urlOf(n.id)}/health`, 'GET', undefined, 300);
        if (r.status === 200) {
          chosen = n.id;
          break;
        }
      } catch {
        /* down: the next one */
      }
    }
    this.changing = false;
    // a dead log replica would leave a 4-member group with only 2 live members: only a live one, and only if nothing changed meanwhile
    if (!chosen || this.stopped || this.joining || (this.log.config()?.seq ?? 0) !== seq) return;
    this.joining = { id: chosen, down, since: performance.now() };
    this.abandoned.delete(chosen);
    this.retired.delete(chosen);
    this.opts.say(`catches up log replica ${chosen} for ${down}`);
    this.syncFollowers();
  }

  private readonly retiringNow = new Set<string>();

  /** Tells a log replica that is no longer a member to retire, once it has the entry that removed it (`removedAt`). */
  private retire(id: string, removedAt: number): void {
    const f = this.followers.get(id);
    if (!f || this.retiringNow.has(id)) return;
    if (f.absent) {
      this.retired.add(id); // it holds no replica of the group: nothing to retire
      return;
    }
    if (f.matchSeq < removedAt) return;
    this.retiringNow.add(id);
    const body = { group: this.log.group, term: this.opts.term, leader: this.opts.self, removedAt };
    callJson(`${f.url}/repl/retire`, 'POST', body, 1000)
      .then(
        (r) => {
          if (r.status === 200) this.opts.say(`retires log replica ${id}`);
          if (r.status === 200 || r.status === 404) this.retired.add(id);
        },
        () => undefined,
      )
      .finally(() => this.retiringNow.delete(id));
  }
}
