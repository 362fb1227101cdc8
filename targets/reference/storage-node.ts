// A storage node: holds one replica of each replication group assigned to it,
// leading some and following others.
//
//   POST /groups/:g/write   {op: put|delete|cas, key, value?, expected?}  (leader only)
//   GET  /groups/:g/read?key=K                                          (any replica: its committed state)
//   POST /repl/append       {group, prevSeq, prevEpoch, entries, commitSeq, leaderLastSeq}
//   GET  /scrub             every replica's applied seq and checksum
//   GET  /health

import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { NodeConfig } from './config.ts';
import { Follower, type AppendRequest } from './follower.ts';
import { readBody, sendJson } from './http.ts';
import { Leader, type WriteRequest } from './leader.ts';
import { ReplicaLog } from './replica.ts';

interface Replica {
  readonly log: ReplicaLog;
  readonly leader?: Leader;
  readonly follower?: Follower;
}

export async function startStorageNode(cfg: NodeConfig): Promise<Server> {
  mkdirSync(cfg.dataDir, { recursive: true });
  const replicas = new Map<string, Replica>();
  for (const g of cfg.groups.filter((x) => x.replicas.includes(cfg.id))) {
    const log = new ReplicaLog(g.id, cfg.dataDir, { skipFsync: cfg.bugs.skipFsync ?? false, flushIntervalMs: cfg.flushIntervalMs });
    await log.wal.open();
    if (g.leader === cfg.id) {
      const followers = g.replicas.filter((r) => r !== cfg.id).map((id) => ({ id, url: cfg.peers[id] ?? '' }));
      const leader = new Leader(log, { followers, ackBeforeQuorum: cfg.bugs.ackBeforeQuorum ?? false, quorumTimeoutMs: cfg.quorumTimeoutMs, heartbeatMs: 100 });
      replicas.set(g.id, { log, leader });
    } else {
      replicas.set(g.id, { log, follower: new Follower(log) });
    }
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
              role: r.leader ? 'leader' : 'follower',
              lastSeq: r.log.lastSeq,
              commitSeq: r.log.commitSeq,
              appliedSeq: r.log.appliedSeq,
              checksum: r.log.checksum(),
              keys: r.log.committed.size,
            })),
          });
        }
        if (url.pathname === '/repl/append' && req.method === 'POST') {
          const body = (await readBody(req)) as unknown as AppendRequest & { group: string };
          const r = replicas.get(body.group);
          if (!r?.follower) return sendJson(res, 404, { error: `not a follower of ${body.group}` });
          return sendJson(res, 200, await r.follower.append(body));
        }
        if (parts[0] === 'groups' && parts[1]) {
          const r = replicas.get(parts[1]);
          if (!r) return sendJson(res, 404, { error: `no replica of ${parts[1]} here` });
          if (parts[2] === 'read') {
            const key = url.searchParams.get('key') ?? '';
            const value = r.leader ? r.leader.read(key) : (r.follower as Follower).read(key);
            return sendJson(res, 200, { key, value, appliedSeq: r.log.appliedSeq });
          }
          if (parts[2] === 'write' && req.method === 'POST') {
            if (!r.leader) return sendJson(res, 421, { ok: false, error: `${cfg.id} does not lead ${parts[1]}`, indeterminate: false });
            const w = await r.leader.write((await readBody(req)) as unknown as WriteRequest);
            return sendJson(res, w.status, w.body);
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
  for (const r of replicas.values()) r.leader?.start();
  return server;
}
