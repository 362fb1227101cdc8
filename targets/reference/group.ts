// One replica of one replication group, and the group's leader election (Raft's,
// with pre-vote and check-quorum):
//
// - terms (ballots) are saved with the log (term-store.ts) before a vote is granted
//   or an append of a newer term is confirmed; one vote per term;
// - a follower that hears nothing from a leader for its election timeout (random in
//   [electionMinMs, electionMaxMs), drawn from the run's seed) first asks whether the
//   others would vote for it (pre-vote: nobody's term moves, so a node cut off and
//   back cannot depose a healthy leader), then stands in the next term; it needs a
//   majority of the group's membership (itself and one other of three), and a vote goes only to a
//   candidate whose log is at least as up to date (last term, then last seq);
// - a replica that heard from a leader less than electionMinMs ago (or leads itself,
//   or has just started) refuses to vote: the leader's lease rests on that promise;
// - a leader that no majority confirmed for electionMinMs steps down (check-quorum),
//   as does one that sees a later term; a restarted node starts as a follower.
//
// Membership (membership.ts): the last config entry in the replica's log, else the
// group's three storage replicas; a majority of it elects and commits. A log replica
// (kind 'log') keeps the log and votes (same up-to-date rule, same lease promise) but
// never campaigns, nor does a storage replica its current membership leaves out.
//
// Bug modes: vote-twice (grants a vote in a term whatever it voted before, itself
// included), no-lease (leader.ts; and no check-quorum: an old leader keeps believing).

import type { Rng } from '../../harness/schedule/rng.ts';
import { followerAppend, type AppendRequest, type AppendResponse } from './follower.ts';
import { callJson } from './http.ts';
import { Leader, type WriteRequest, type WriteResult } from './leader.ts';
import { staticMembers, VoteTally } from './membership.ts';
import type { ReplicaLog } from './replica.ts';
import type { TermStore } from './term-store.ts';
import type { Member } from './wal.ts';

export interface Timing {
  readonly heartbeatMs: number;
  readonly electionMinMs: number;
  readonly electionMaxMs: number;
  /** Shorter than electionMinMs: how long a follower's confirmation lets the leader serve strong reads. */
  readonly leaseMs: number;
  readonly quorumTimeoutMs: number;
  /** A leader replaces a storage member that confirmed nothing for this long by a log replica. */
  readonly logReplicaAfterMs: number;
}

export interface GroupOptions {
  readonly self: string;
  /** storage: one of the group's static replicas; log: a log replica (never campaigns, serves no reads). */
  readonly kind: 'storage' | 'log';
  /** The group's static spec: its three storage replicas. */
  readonly replicas: readonly string[];
  /** Every storage node of the cluster with its AZ (where a leader may put a log replica). */
  readonly storageNodes: readonly { readonly id: string; readonly az: string }[];
  readonly urlOf: (id: string) => string;
  /** Stands first when the cluster is new (spreads the first leaders over nodes and AZs). */
  readonly preferred: boolean;
  readonly timing: Timing;
  readonly bugs: { readonly ackBeforeQuorum: boolean; readonly noLease: boolean; readonly voteTwice: boolean };
  readonly rng: Rng;
}

export interface VoteRequest {
  readonly group: string;
  readonly term: number;
  readonly candidate: string;
  readonly lastSeq: number;
  readonly lastTerm: number;
  /** Pre-vote: would you vote for me in `term`? Changes nothing. */
  readonly pre: boolean;
}

export interface VoteResponse {
  readonly term: number;
  readonly granted: boolean;
  readonly reason?: string;
}

export type Role = 'follower' | 'candidate' | 'leader';

export interface RetireRequest {
  readonly group: string;
  readonly term: number;
  readonly leader: string;
  /** Seq of the committed config entry that left this log replica out. */
  readonly removedAt: number;
}

export class Group {
  role: Role = 'follower';
  leaderId: string | null = null;
  private leader: Leader | undefined;
  /** A brand-new replica has promised nothing to anyone; a restarted one waits a full election timeout before it votes. */
  private lastLeaderContact: number;
  private timer: NodeJS.Timeout | undefined;
  private quorumTimer: NodeJS.Timeout | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(
    readonly log: ReplicaLog,
    private readonly terms: TermStore,
    private readonly opts: GroupOptions,
  ) {
    this.lastLeaderContact = this.fresh() ? Number.NEGATIVE_INFINITY : performance.now();
  }

  get term(): number {
    return this.terms.term;
  }

  get kind(): 'storage' | 'log' {
    return this.opts.kind;
  }

  /** The membership in force for this replica: its log's last config entry, else the static spec. */
  members(): readonly Member[] {
    return this.log.config()?.members ?? staticMembers(this.opts.replicas);
  }

  /** May this replica stand for leader: a storage replica its current membership names. */
  mayCampaign(): boolean {
    return this.opts.kind === 'storage' && this.members().some((m) => m.id === this.opts.self && m.kind === 'storage');
  }

  /** A log replica's retirement: refused while its own log's membership (from after the removal) still names it. */
  onRetire(req: RetireRequest): { ok: boolean; reason?: string } {
    if (this.opts.kind !== 'log') return { ok: false, reason: `${this.opts.self} is a storage replica of ${req.group}` };
    const cfg = this.log.config();
    if ((cfg?.seq ?? 0) < req.removedAt) return { ok: false, reason: `log has not reached the config entry at ${req.removedAt}` };
    if (cfg?.members.some((m) => m.id === this.opts.self)) return { ok: false, reason: `config entry ${cfg.seq} names ${this.opts.self}` };
    this.say(`log replica retires (removed at ${req.removedAt}, told by ${req.leader} of term ${req.term})`);
    return { ok: true };
  }

  start(): void {
    if (this.opts.kind === 'log') return; // never campaigns, never leads
    this.resetElectionTimer();
    this.quorumTimer = setInterval(() => this.checkQuorum(), this.opts.timing.heartbeatMs);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.quorumTimer);
    this.leader?.stop();
  }

  /** Strong read: only the leader, with its lease; else who may be the leader. */
  read(key: string): { readonly value: string | null } | { readonly refused: string; readonly leader: string | null } {
    if (!this.leader) return { refused: `${this.opts.self} does not lead ${this.log.group}`, leader: this.leaderId };
    const r = this.leader.read(key);
    return 'value' in r ? r : { refused: r.refused, leader: null };
  }

  /** Eventual read: this replica's committed state. */
  readLocal(key: string): string | null {
    return this.log.committed.get(key) ?? null;
  }

  write(req: WriteRequest): Promise<WriteResult> | { readonly notLeader: string | null } {
    return this.leader ? this.leader.write(req) : { notLeader: this.leaderId };
  }

  status(): { role: Role; term: number; leader: string | null } {
    return { role: this.role, term: this.terms.term, leader: this.leaderId };
  }

  onVote(req: VoteRequest): VoteResponse {
    const term = this.terms.term;
    if (req.term < term) return { term, granted: false, reason: `term ${req.term} is behind ${term}` };
    if (this.role === 'leader' || performance.now() - this.lastLeaderContact < this.opts.timing.electionMinMs) {
      return { term, granted: false, reason: `${this.opts.self} has a leader (${this.leaderId})` };
    }
    const upToDate = req.lastTerm > this.log.lastTerm || (req.lastTerm === this.log.lastTerm && req.lastSeq >= this.log.lastSeq);
    if (req.pre) return { term, granted: upToDate && req.term > term, ...(upToDate ? {} : { reason: 'log behind' }) };
    if (req.term > term) this.becomeFollower(req.term, null);
    const votedFor = this.terms.votedFor;
    const free = votedFor === null || votedFor === req.candidate || this.opts.bugs.voteTwice;
    if (!free || !upToDate) return { term: this.terms.term, granted: false, reason: free ? 'log behind' : `voted for ${votedFor}` };
    this.terms.save({ term: req.term, votedFor: req.candidate });
    this.resetElectionTimer();
    return { term: req.term, granted: true };
  }

  /** Appends are handled one at a time per group. */
  onAppend(req: AppendRequest): Promise<AppendResponse> {
    const next = this.chain.then(() => this.doAppend(req));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async doAppend(req: AppendRequest): Promise<AppendResponse> {
    const term = this.terms.term;
    if (req.term < term) return { term, ok: false, lastSeq: this.log.lastSeq };
    if (req.term === term && this.role === 'leader') {
      // two leaders in one term: impossible with one vote per term (and what the vote-twice mode makes possible)
      this.say(`refuses entries from ${req.leader}, another leader of its own term`);
      return { term, ok: false, lastSeq: this.log.lastSeq };
    }
    if (req.term > term || this.role !== 'follower') this.becomeFollower(req.term, req.term > term ? null : this.terms.votedFor);
    this.leaderId = req.leader;
    this.lastLeaderContact = performance.now();
    this.resetElectionTimer();
    const r = await followerAppend(this.log, req);
    return { term: this.terms.term, ...r };
  }

  private fresh(): boolean {
    return this.terms.term === 0 && this.log.lastSeq === 0;
  }

  private resetElectionTimer(): void {
    clearTimeout(this.timer);
    if (this.stopped || this.role === 'leader' || this.opts.kind === 'log') return;
    const t = this.opts.timing;
    // a new cluster's preferred replica stands at once (and again soon while its peers are still starting)
    const ms =
      this.opts.preferred && this.fresh() ? this.opts.rng.between(t.heartbeatMs, 2 * t.heartbeatMs) : this.opts.rng.between(t.electionMinMs, t.electionMaxMs);
    this.timer = setTimeout(() => void this.campaign(), ms);
  }

  private becomeFollower(term: number, votedFor: string | null): void {
    if (this.leader) {
      this.leader.stop();
      this.leader = undefined;
      this.lastLeaderContact = performance.now(); // it led until now: it promised itself
      this.leaderId = null;
      this.say(`steps down (to term ${term})`);
    }
    this.role = 'follower';
    if (term > this.terms.term) this.leaderId = null;
    this.terms.save({ term, votedFor });
    this.resetElectionTimer();
  }

  private say(what: string): void {
    process.stdout.write(`${new Date().toISOString()} ${this.log.group} term ${this.terms.term} ${what}\n`);
  }

  private becomeLeader(): void {
    clearTimeout(this.timer);
    this.say(`leader (log ${this.log.lastSeq}, committed ${this.log.commitSeq})`);
    this.role = 'leader';
    this.leaderId = this.opts.self;
    const t = this.opts.timing;
    this.leader = new Leader(this.log, {
      self: this.opts.self,
      term: this.terms.term,
      replicas: this.opts.replicas,
      storageNodes: this.opts.storageNodes,
      urlOf: this.opts.urlOf,
      logReplicaAfterMs: t.logReplicaAfterMs,
      caughtUpMs: t.electionMinMs,
      say: (what) => this.say(what),
      ackBeforeQuorum: this.opts.bugs.ackBeforeQuorum,
      noLease: this.opts.bugs.noLease,
      quorumTimeoutMs: t.quorumTimeoutMs,
      heartbeatMs: t.heartbeatMs,
      leaseMs: t.leaseMs,
      onHigherTerm: (term) => {
        if (term > this.terms.term) this.becomeFollower(term, null);
        else if (term === this.terms.term && this.role === 'leader') this.becomeFollower(term, this.terms.votedFor);
      },
    });
    this.leader.start();
  }

  private checkQuorum(): void {
    if (!this.leader || this.opts.bugs.noLease) return;
    if (performance.now() - this.leader.lastQuorumAt() > this.opts.timing.electionMinMs) this.becomeFollower(this.terms.term, this.terms.votedFor);
  }

  /** Asks every other member of `members` (the candidate's current membership). */
  private ask(members: readonly Member[], req: VoteRequest, onAnswer: (from: string, r: VoteResponse) => void): Promise<void> {
    const timeout = Math.max(100, this.opts.timing.electionMinMs / 2);
    return Promise.all(
      members
        .filter((m) => m.id !== this.opts.self)
        .map(async (p) => {
          try {
            const res = await callJson(`${this.opts.urlOf(p.id)}/raft/vote`, 'POST', req, timeout);
            if (res.status === 200) onAnswer(p.id, res.body as unknown as VoteResponse);
          } catch {
            /* a peer that does not answer grants nothing */
          }
        }),
    ).then(() => undefined);
  }

  private async campaign(): Promise<void> {
    if (this.stopped || this.role === 'leader') return;
    this.resetElectionTimer(); // the next attempt, if this one comes to nothing
    if (!this.mayCampaign()) return;
    const startTerm = this.terms.term;
    const contact = this.lastLeaderContact;
    const members = this.members();
    const base = { group: this.log.group, candidate: this.opts.self, lastSeq: this.log.lastSeq, lastTerm: this.log.lastTerm };
    const pre = new VoteTally(members);
    pre.grant(this.opts.self);
    let later = 0;
    await this.ask(members, { ...base, term: startTerm + 1, pre: true }, (from, r) => {
      if (r.granted) pre.grant(from);
      else if (r.term > later) later = r.term;
    });
    if (this.stopped || (this.role as Role) === 'leader' || this.terms.term !== startTerm || this.lastLeaderContact !== contact) return;
    if (later > startTerm) return this.becomeFollower(later, null);
    if (!pre.won) return;
    // stand in the next term: vote for itself, durably, before asking
    this.role = 'candidate';
    this.leaderId = null;
    const term = startTerm + 1;
    this.terms.save({ term, votedFor: this.opts.self });
    this.say('stands for leader');
    const votes = new VoteTally(members);
    votes.grant(this.opts.self);
    await this.ask(members, { ...base, term, pre: false }, (from, r) => {
      if (this.stopped || this.role !== 'candidate' || this.terms.term !== term) return;
      if (r.term > term) return this.becomeFollower(r.term, null);
      if (r.granted && votes.grant(from)) this.becomeLeader();
    });
  }
}
