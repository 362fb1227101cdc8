// A request router: the public endpoint customers (and canaries) talk to.
// It maps a key to its replication group and forwards to the group's leader, which
// it finds by following redirects (it remembers where it last found each leader).
//
//   GET    /kv/:key?consistency=strong|eventual   → 200 {key, value}  (value null = absent)
//   PUT    /kv/:key            {value}            → 200 {ok}
//   POST   /kv/:key/cas        {expected, value}  → 200 {ok} | 409 {current}  (definitely not applied)
//   DELETE /kv/:key                               → 200 {ok}
//   errors: 503 {error, indeterminate: false}  definitely not applied (no leader reachable)
//           504 {error, indeterminate: true}   may or may not have been applied
//   GET    /health   200 once every group has a leader it can reach (503 before; 200 anyway 10 s after start)

import { createServer, type Server } from 'node:http';
import type { NodeConfig } from './config.ts';
import { CallError, callJson, readBody, sendJson, sleep, type JsonResponse } from './http.ts';
import { groupOf, type GroupSpec } from './layout.ts';

const READY_AFTER_MS = 10_000;
const READ_ATTEMPT_MS = 600;

export async function startRouter(cfg: NodeConfig): Promise<Server> {
  const peer = (id: string): string => {
    const u = cfg.peers[id];
    if (!u) throw new Error(`router ${cfg.id} has no address for ${id}`);
    return u;
  };
  // Eventual reads (and strong reads in the staleReads bug mode) go to a replica in
  // the router's own AZ when there is one, else to the next replica in the group.
  const nearest = (g: GroupSpec): string => g.replicas.find((r) => cfg.azOf[r] === cfg.az) ?? (g.replicas[1] as string);
  // Where each group's leader was last seen (its preferred replica to begin with).
  const leaderOf = new Map<string, string>(cfg.groups.map((g) => [g.id, g.leader]));

  /**
   * Sends a call to the group's leader, following redirects (421 {leader}) and trying
   * the other replicas while none leads, until the request's deadline. A write is sent
   * again only after an answer that proves it was not applied (refused connection,
   * 421, 503 not-applied); a read is sent again after anything.
   */
  async function toLeader(g: GroupSpec, path: string, method: string, body: unknown, isRead: boolean): Promise<JsonResponse | CallError> {
    const deadline = performance.now() + cfg.requestTimeoutMs;
    let target = leaderOf.get(g.id) ?? g.leader;
    let last: JsonResponse | CallError = new CallError('no replica answered', true);
    for (let attempt = 0; ; attempt++) {
      const left = deadline - performance.now();
      if (left <= 0) return last;
      const next = (): string => g.replicas[(g.replicas.indexOf(target) + 1) % g.replicas.length] as string;
      try {
        // a read may try another replica when one hangs (a cut-off old leader); a write waits out its deadline
        const r = await callJson(`${peer(target)}${path}`, method, body, isRead ? Math.min(left, READ_ATTEMPT_MS) : left);
        last = r;
        if (r.status !== 421 && !(r.status === 503 && r.body.indeterminate === false)) {
          if (r.status < 500) leaderOf.set(g.id, target);
          return r;
        }
        const hint = typeof r.body.leader === 'string' ? r.body.leader : undefined;
        if (hint && hint !== target && g.replicas.includes(hint)) {
          target = hint;
          continue;
        }
        target = next();
      } catch (err) {
        const e = err instanceof CallError ? err : new CallError((err as Error).message, false);
        last = e;
        target = next();
        if (!e.definite && !isRead) {
          // it may have been applied: not sent again; but the next call tries another replica (it redirects if it knows the leader)
          leaderOf.set(g.id, target);
          return e;
        }
      }
      // a full round without a leader: an election is under way, wait a little
      if (attempt % g.replicas.length === g.replicas.length - 1) await sleep(Math.min(50, Math.max(0, deadline - performance.now())));
    }
  }

  // Ready once every group has answered a strong read through it (or after readyAfterMs, so
  // that a router powered on while a group is down still starts).
  const started = performance.now();
  let ready = false;
  async function leaderless(): Promise<string[]> {
    if (ready || performance.now() - started > READY_AFTER_MS) return [];
    const probe = await Promise.all(
      cfg.groups.map(async (g) => {
        const r = await toLeader(g, `/groups/${g.id}/read?key=&consistency=strong`, 'GET', undefined, true);
        return r instanceof CallError || r.status !== 200 ? g.id : undefined;
      }),
    );
    const missing = probe.filter((x): x is string => x !== undefined);
    if (missing.length === 0) ready = true;
    return missing;
  }

  async function forward(res: Parameters<typeof sendJson>[0], r: JsonResponse | CallError, isRead: boolean): Promise<void> {
    if (!(r instanceof CallError)) {
      if (r.status === 421 || r.status >= 500) {
        const indeterminate = r.body.indeterminate !== false && !isRead;
        return sendJson(res, indeterminate ? 504 : 503, { ok: false, error: String(r.body.error ?? `storage answered ${r.status}`), indeterminate });
      }
      return sendJson(res, r.status, r.body);
    }
    const definite = r.definite || isRead;
    sendJson(res, definite ? 503 : 504, {
      ok: false,
      error: r.definite ? `replica unreachable (${r.message})` : `replica did not answer (${r.message})`,
      indeterminate: !definite,
    });
  }

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/health') {
        const missing = await leaderless();
        if (missing.length > 0) return sendJson(res, 503, { ok: false, id: cfg.id, role: 'router', error: `no leader found yet for ${missing.join(', ')}` });
        return sendJson(res, 200, { ok: true, id: cfg.id, role: 'router', az: cfg.az });
      }
      const m = /^\/kv\/([^/]+)(\/cas)?$/.exec(url.pathname);
      if (!m) return sendJson(res, 404, { error: `no route ${req.method} ${url.pathname}` });
      const key = decodeURIComponent(m[1] as string);
      const g = groupOf(key, cfg.groups);
      const t = cfg.requestTimeoutMs;
      try {
        if (req.method === 'GET' && !m[2]) {
          const strong = url.searchParams.get('consistency') !== 'eventual';
          const path = `/groups/${g.id}/read?key=${encodeURIComponent(key)}`;
          if (strong && !cfg.bugs.staleReads) return await forward(res, await toLeader(g, `${path}&consistency=strong`, 'GET', undefined, true), true);
          const near = nearest(g);
          const r = await callJson(`${peer(near)}${path}`, 'GET', undefined, t).catch((e: unknown) =>
            e instanceof CallError ? e : new CallError(String(e), false),
          );
          return await forward(res, r, true);
        }
        const body = await readBody(req);
        let write: Record<string, unknown>;
        if (req.method === 'PUT' && !m[2]) write = { op: 'put', key, value: String(body.value) };
        else if (req.method === 'DELETE' && !m[2]) write = { op: 'delete', key };
        else if (req.method === 'POST' && m[2]) write = { op: 'cas', key, expected: body.expected ?? null, value: String(body.value) };
        else return sendJson(res, 405, { error: `${req.method} not allowed on ${url.pathname}` });
        return await forward(res, await toLeader(g, `/groups/${g.id}/write`, 'POST', write, false), false);
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
