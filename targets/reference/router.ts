// A request router: the public endpoint customers (and canaries) talk to.
// Stateless: it maps a key to its replication group and forwards.
//
//   GET    /kv/:key?consistency=strong|eventual   → 200 {key, value}  (value null = absent)
//   PUT    /kv/:key            {value}            → 200 {ok}
//   POST   /kv/:key/cas        {expected, value}  → 200 {ok} | 409 {current}  (definitely not applied)
//   DELETE /kv/:key                               → 200 {ok}
//   errors: 503 {error, indeterminate: false}  definitely not applied (leader unreachable)
//           504 {error, indeterminate: true}   may or may not have been applied
//   GET    /health

import { createServer, type Server } from 'node:http';
import type { NodeConfig } from './config.ts';
import { CallError, callJson, readBody, sendJson, type JsonResponse } from './http.ts';
import { groupOf, type GroupSpec } from './layout.ts';

export async function startRouter(cfg: NodeConfig): Promise<Server> {
  const peer = (id: string): string => {
    const u = cfg.peers[id];
    if (!u) throw new Error(`router ${cfg.id} has no address for ${id}`);
    return u;
  };
  // Eventual reads (and strong reads in the staleReads bug mode) go to a replica in
  // the router's own AZ when there is one, else to the next replica in the group.
  const nearest = (g: GroupSpec): string => g.replicas.find((r) => cfg.azOf[r] === cfg.az) ?? (g.replicas[1] as string);

  async function forward(res: Parameters<typeof sendJson>[0], call: () => Promise<JsonResponse>, isRead: boolean): Promise<void> {
    try {
      const r = await call();
      if (r.status === 421 || r.status >= 500) {
        const indeterminate = r.body.indeterminate !== false && !isRead;
        return sendJson(res, indeterminate ? 504 : 503, { ok: false, error: String(r.body.error ?? `storage answered ${r.status}`), indeterminate });
      }
      sendJson(res, r.status, r.body);
    } catch (err) {
      const e = err as CallError;
      const definite = e instanceof CallError && e.definite;
      sendJson(res, definite ? 503 : 504, {
        ok: false,
        error: definite ? `replica unreachable (${e.message})` : `replica did not answer (${e.message})`,
        indeterminate: !definite,
      });
    }
  }

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/health') return sendJson(res, 200, { ok: true, id: cfg.id, role: 'router', az: cfg.az });
      const m = /^\/kv\/([^/]+)(\/cas)?$/.exec(url.pathname);
      if (!m) return sendJson(res, 404, { error: `no route ${req.method} ${url.pathname}` });
      const key = decodeURIComponent(m[1] as string);
      const g = groupOf(key, cfg.groups);
      const t = cfg.requestTimeoutMs;
      try {
        if (req.method === 'GET' && !m[2]) {
          const strong = url.searchParams.get('consistency') !== 'eventual';
          const target = strong && !cfg.bugs.staleReads ? g.leader : nearest(g);
          return await forward(res, () => callJson(`${peer(target)}/groups/${g.id}/read?key=${encodeURIComponent(key)}`, 'GET', undefined, t), true);
        }
        const body = await readBody(req);
        let write: Record<string, unknown>;
        if (req.method === 'PUT' && !m[2]) write = { op: 'put', key, value: String(body.value) };
        else if (req.method === 'DELETE' && !m[2]) write = { op: 'delete', key };
        else if (req.method === 'POST' && m[2]) write = { op: 'cas', key, expected: body.expected ?? null, value: String(body.value) };
        else return sendJson(res, 405, { error: `${req.method} not allowed on ${url.pathname}` });
        return await forward(res, () => callJson(`${peer(g.leader)}/groups/${g.id}/write`, 'POST', write, t), false);
      } catch (err) {
        if (!res.headersSent) sendJson(res, 400, { error: (err as Error).message });
      }
    })();
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(cfg.listen.port, cfg.listen.host, () => resolve());
  });
  return server;
}
