// A storage node: holds one replica of each replication group assigned to it; it
// leads the groups that elected it and follows the others (group.ts). It also hosts a
// log replica of a group it does not replicate when that group's leader sends it an
// append marked asLogReplica (`<group>.logwal` and `<group>.logterm`, fsynced like the
// others, started again on restart while the file is there); a log replica serves no
// reads and is retired by `/repl/retire` (its WAL renamed `<group>.logwal.retired`).
//
//   POST /groups/:g/write   {op: put|delete|cas, key, value?, expected?}  (leader only; else 421 {leader})
//   GET  /groups/:g/read?key=K[&consistency=strong]   strong: the leader with its lease (else 421 {leader});
//                                                      else this replica's committed state
//   POST /raft/vote         {group, term, candidate, lastSeq, lastTerm, pre}
//   POST /repl/append       {group, term, leader, prevSeq, prevTerm, entries, commitSeq, asLogReplica?}
//   POST /repl/retire       {group, term, leader, removedAt}   (a log replica no longer a member)
//   GET  /scrub             every replica's kind (storage|log), role, term, applied seq and checksum
//                           (a log replica's: its committed prefix replayed)
//   GET  /health

import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { Rng } from '../../harness/schedule/rng.ts';
import { DEFAULT_LOG_REPLICA_AFTER_MS, type NodeConfig } from './config.ts';
import type { GroupSpec } from './layout.ts';
import type { AppendRequest } from './follower.ts';
import { Group, type RetireRequest, type VoteRequest } from './group.ts';
import { readBody, sendJson } from './http.ts';
import type { WriteRequest } from './leader.ts';
import { checksumOf, ReplicaLog } from './replica.ts';
import { TermStore } from './term-store.ts';

/** How many times this node has started on its data (each start draws other election timeouts from the run's seed). */

function incarnation(dataDir: string): number {
  const path = join(dataDir, 'incarnation');
  const n = existsSync(path) ? Number(readFileSync(path, 'utf8')) + 1 : 1;
  writeFileSync(path, String(n));
  return n;
}

export async function startStorageNode(cfg: NodeConfig): Promise<Server> {
  mkdirSync(cfg.dataDir, { recursive: true });
  const rng = new Rng(cfg.seed ?? 0).fork(`node:${cfg.id}:${incarnation(cfg.dataDir)}`);
  const timing = {
    heartbeatMs: 100,
    electionMinMs: 500,
    electionMaxMs: 1000,
    leaseMs: 350,
    logReplicaAfterMs: DEFAULT_LOG_REPLICA_AFTER_MS,
    ...cfg.timing,
    quorumTimeoutMs: cfg.quorumTimeoutMs,
  };
  const walOpts = { skipFsync: cfg.bugs.skipFsync ?? false, flushIntervalMs: cfg.flushIntervalMs, format: cfg.walFormat ?? 1 };
  const bugs = { ackBeforeQuorum: cfg.bugs.ackBeforeQuorum ?? false, noLease: cfg.bugs.noLease ?? false, voteTwice: cfg.bugs.voteTwice ?? false };
  const storageNodes = Object.entries(cfg.azOf)
    .filter(([id]) => id === cfg.id || cfg.peers[id] !== undefined)
    .filter(([id]) => cfg.groups.some((g) => g.replicas.includes(id)))
    .map(([id, az]) => ({ id, az }));
  const urlOf = (id: string): string => cfg.peers[id] ?? '';
  const replicas = new Map<string, Group>();
  const logFile = (g: string): string => `${g}.logwal`;
  async function open(g: GroupSpec, kind: 'storage' | 'log'): Promise<Group> {
    const log = new ReplicaLog(g.id, cfg.dataDir, walOpts, kind === 'log' ? { file: logFile(g.id), applies: false } : {});
    await log.wal.open();
    const terms = new TermStore(cfg.dataDir, g.id, cfg.bugs.forgetTerm ?? false, log.lastTerm, kind === 'log' ? `${g.id}.logterm` : undefined);
    const opts = { self: cfg.id, kind, replicas: g.replicas, storageNodes, urlOf, preferred: kind === 'storage' && g.leader === cfg.id, timing, bugs };
    return new Group(log, terms, { ...opts, rng: rng.fork(kind === 'log' ? `${g.id}:log` : g.id) });
  }
  for (const g of cfg.groups) {
    if (g.replicas.includes(cfg.id)) replicas.set(g.id, await open(g, 'storage'));
    else if (existsSync(join(cfg.dataDir, logFile(g.id)))) replicas.set(g.id, await open(g, 'log'));
  }
  /** Log replicas being created (an append marked asLogReplica for a group this node holds nothing of). */
  const creating = new Map<string, Promise<Group>>();
  async function logReplica(group: string): Promise<Group | undefined> {
    const g = cfg.groups.find((x) => x.id === group);
    if (!g || g.replicas.includes(cfg.id)) return undefined;
    let p = creating.get(group);
    if (!p) {
      p = open(g, 'log').then((r) => {
        replicas.set(group, r);
        r.start();
        process.stdout.write(`${new Date().toISOString()} ${group} term ${r.term} hosts a log replica\n`);
        return r;
      });
      creating.set(group, p);
      p.finally(() => creating.delete(group)).catch(() => undefined);
    }
    return p;
  }

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const parts = url.pathname.split('/').filter(Boolean);
      try {
        if (url.pathname === '/health') return sendJson(res, 200, { ok: true, id: cfg.id, role: 'storage' });
        if (url.pathname === '/scrub') {
          return sendJson(res, 200, {
            node: cfg.id,
            groups: [...replicas.values()].map((r) => {
              // a log replica applies nothing: its committed prefix is replayed here, for the same checksum at the same seq
              const state = r.kind === 'log' ? r.log.replay(r.log.commitSeq) : r.log.committed;
              return {
                group: r.log.group,
                kind: r.kind,
                ...r.status(),
                lastSeq: r.log.lastSeq,
                commitSeq: r.log.commitSeq,
                appliedSeq: r.kind === 'log' ? r.log.commitSeq : r.log.appliedSeq,
                // a log replica its own log's membership does not name (a learner not added yet, or removed and not yet retired)
                ...(r.kind === 'log' ? { member: r.members().some((m) => m.id === cfg.id) } : {}),
                checksum: checksumOf(state),
                keys: state.size,
              };
            }),
          });
        }
        if (url.pathname === '/raft/vote' && req.method === 'POST') {
          const body = (await readBody(req)) as unknown as VoteRequest;
          const r = replicas.get(body.group);
          if (!r) return sendJson(res, 404, { error: `no replica of ${body.group} here` });
          return sendJson(res, 200, r.onVote(body));
        }
        if (url.pathname === '/repl/append' && req.method === 'POST') {
          const body = (await readBody(req)) as unknown as AppendRequest;
          const r = replicas.get(body.group) ?? (body.asLogReplica ? await logReplica(body.group) : undefined);
          if (!r) return sendJson(res, 404, { error: `no replica of ${body.group} here` });
          return sendJson(res, 200, await r.onAppend(body));
        }
        if (url.pathname === '/repl/retire' && req.method === 'POST') {
          const body = (await readBody(req)) as unknown as RetireRequest;
          const r = replicas.get(body.group);
          if (r?.kind !== 'log') return sendJson(res, 404, { error: `no log replica of ${body.group} here` });
          const done = r.onRetire(body);
          if (!done.ok) return sendJson(res, 409, { ok: false, error: done.reason });
          replicas.delete(body.group);
          r.stop();
          await r.log.wal.close();
          const path = join(cfg.dataDir, logFile(body.group));
          renameSync(path, `${path}.retired`);
          return sendJson(res, 200, { ok: true });
        }
        if (parts[0] === 'groups' && parts[1]) {
          const r = replicas.get(parts[1]);
          if (!r || r.kind === 'log')
            return sendJson(res, 404, { error: `no replica of ${parts[1]} here${r ? ' (a log replica serves no reads or writes)' : ''}` });
          if (parts[2] === 'read') {
            const key = url.searchParams.get('key') ?? '';
            if (url.searchParams.get('consistency') !== 'strong') return sendJson(res, 200, { key, value: r.readLocal(key), appliedSeq: r.log.appliedSeq });
            const v = r.read(key);
            if ('value' in v) return sendJson(res, 200, { key, value: v.value, appliedSeq: r.log.appliedSeq });
            return sendJson(res, 421, { ok: false, error: v.refused, leader: v.leader, indeterminate: false });
          }
          if (parts[2] === 'write' && req.method === 'POST') {
            const w = r.write((await readBody(req)) as unknown as WriteRequest);
            if ('notLeader' in w)
              return sendJson(res, 421, { ok: false, error: `${cfg.id} does not lead ${parts[1]}`, leader: w.notLeader, indeterminate: false });
            const done = await w;
            return sendJson(res, done.status, done.body);
          }
        }
        sendJson(res, 404, { error: `no route ${req.method} ${url.pathname}` });
      } catch (err) {
        if (!res.headersSent) sendJson(res, 500, { ok: false, error: (err as Error).message, indeterminate: true });
      }
    })();
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(cfg.listen.port, cfg.listen.host, () => resolve());
  });
  for (const r of replicas.values()) r.start();
  return server;
}
