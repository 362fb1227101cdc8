// A storage node: holds one replica of each replication group assigned to it; it
// leads the groups that elected it and follows the others (group.ts).
//
//   POST /groups/:g/write   {op: put|delete|cas, key, value?, expected?}  (leader only; else 421 {leader})
//   GET  /groups/:g/read?key=K[&consistency=strong]   strong: the leader with its lease (else 421 {leader});
//                                                      else this replica's committed state
//   POST /raft/vote         {group, term, candidate, lastSeq, lastTerm, pre}
//   POST /repl/append       {group, term, leader, prevSeq, prevTerm, entries, commitSeq}
//   GET  /scrub             every replica's role, term, applied seq and checksum
//   GET  /health

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { Rng } from '../../harness/schedule/rng.ts';
import type { NodeConfig } from './config.ts';
import type { AppendRequest } from './follower.ts';
import { Group, type VoteRequest } from './group.ts';
import { readBody, sendJson } from './http.ts';
import type { WriteRequest } from './leader.ts';
import { ReplicaLog } from './replica.ts';
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
  const timing = { heartbeatMs: 100, electionMinMs: 500, electionMaxMs: 1000, leaseMs: 350, ...cfg.timing, quorumTimeoutMs: cfg.quorumTimeoutMs };
  const replicas = new Map<string, Group>();
  for (const g of cfg.groups.filter((x) => x.replicas.includes(cfg.id))) {
    const log = new ReplicaLog(g.id, cfg.dataDir, { skipFsync: cfg.bugs.skipFsync ?? false, flushIntervalMs: cfg.flushIntervalMs, format: cfg.walFormat ?? 1 });
    await log.wal.open();
    const terms = new TermStore(cfg.dataDir, g.id, cfg.bugs.forgetTerm ?? false, log.lastTerm);
    const peers = g.replicas.filter((r) => r !== cfg.id).map((id) => ({ id, url: cfg.peers[id] ?? '' }));
    const bugs = { ackBeforeQuorum: cfg.bugs.ackBeforeQuorum ?? false, noLease: cfg.bugs.noLease ?? false, voteTwice: cfg.bugs.voteTwice ?? false };
    replicas.set(g.id, new Group(log, terms, { self: cfg.id, peers, preferred: g.leader === cfg.id, timing, bugs, rng: rng.fork(g.id) }));
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
            groups: [...replicas.values()].map((r) => ({
              group: r.log.group,
              ...r.status(),
              lastSeq: r.log.lastSeq,
              commitSeq: r.log.commitSeq,
              appliedSeq: r.log.appliedSeq,
              checksum: r.log.checksum(),
              keys: r.log.committed.size,
            })),
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
          const r = replicas.get(body.group);
          if (!r) return sendJson(res, 404, { error: `no replica of ${body.group} here` });
          return sendJson(res, 200, await r.onAppend(body));
        }
        if (parts[0] === 'groups' && parts[1]) {
          const r = replicas.get(parts[1]);
          if (!r) return sendJson(res, 404, { error: `no replica of ${parts[1]} here` });
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
