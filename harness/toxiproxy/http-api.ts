// Toxiproxy 2.x's HTTP API over a ProxyCollection: routes, status codes and
// JSON shapes as the real server answers them, so that toxiproxy-node-client
// (and any other Toxiproxy client) drives this server unchanged.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, Errors, PopulateError } from './api-error.ts';
import type { ProxyCollection } from './proxy-collection.ts';
import { parseToxicCreate, toxicJson } from './toxic-spec.ts';

/** Reported by GET /version: the Toxiproxy API level this server implements. */
export const TOXIPROXY_VERSION = '2.12.0+gameday';
const MAX_BODY = 1 << 20;

interface Reply {
  readonly status: number;
  readonly body?: unknown;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw Errors.badRequestBody.with('body too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw Errors.badRequestBody.with('EOF');
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw Errors.badRequestBody.with((e as Error).message);
  }
}

/** The path's segments: "/proxies/a/toxics" → ["proxies", "a", "toxics"]; a trailing or doubled "/" leaves an empty one (no route has it: 404, as in Toxiproxy). */
function segmentsOf(url: string): string[] {
  const path = url.split('?')[0] ?? '';
  return path
    .slice(1)
    .split('/')
    .map((s) => decodeURIComponent(s));
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
type Handler = (req: IncomingMessage) => Promise<Reply> | Reply;

/** The routes, as Toxiproxy 2.12's router has them: a path with no route is 404, a method the path lacks 405. */
function routesFor(proxies: ProxyCollection, [root, name, sub, toxic]: string[]): Partial<Record<Method, Handler>> | undefined {
  const ok = (body: unknown): Reply => ({ status: 200, body });
  if (root === 'version' && name === undefined) return { GET: () => ok({ version: TOXIPROXY_VERSION }) };
  if (root === 'reset' && name === undefined) {
    return {
      POST: async () => {
        await proxies.reset();
        return { status: 204 };
      },
    };
  }
  if (root === 'populate' && name === undefined) {
    return {
      POST: async (req) => {
        const body = await readJson(req).catch((e: unknown) => Promise.reject(e instanceof ApiError ? new PopulateError(e, null) : e));
        const list = await proxies.populate(body);
        return { status: 201, body: { proxies: list.length === 0 ? null : list.map((p) => p.toJSON()) } };
      },
    };
  }
  if (root !== 'proxies') return undefined;
  if (name === undefined) {
    return {
      // by name, as Go writes a map
      GET: () =>
        ok(
          Object.fromEntries(
            proxies
              .list()
              .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
              .map((p) => [p.name, p.toJSON()]),
          ),
        ),
      POST: async (req) => ({ status: 201, body: (await proxies.create(await readJson(req))).toJSON() }),
    };
  }
  if (name === '') return undefined;
  if (sub === undefined) {
    const update: Handler = async (req) => ok((await proxies.update(name, await readJson(req))).toJSON());
    return {
      GET: () => ok(proxies.get(name).toJSON()),
      POST: update,
      PATCH: update,
      DELETE: async () => {
        await proxies.remove(name);
        return { status: 204 };
      },
    };
  }
  if (sub !== 'toxics') return undefined;
  if (toxic === undefined) {
    return {
      GET: () => ok(proxies.get(name).listToxics().map(toxicJson)),
      POST: async (req) => {
        const proxy = proxies.get(name);
        return ok(toxicJson(proxy.addToxic(parseToxicCreate(await readJson(req)))));
      },
    };
  }
  if (toxic === '') return undefined;
  const update: Handler = async (req) => {
    const proxy = proxies.get(name);
    return ok(toxicJson(proxy.updateToxic(toxic, await readJson(req))));
  };
  return {
    GET: () => ok(toxicJson(proxies.get(name).getToxic(toxic))),
    POST: update,
    PATCH: update,
    DELETE: () => {
      proxies.get(name).removeToxic(toxic);
      return { status: 204 };
    },
  };
}

async function route(proxies: ProxyCollection, req: IncomingMessage): Promise<Reply> {
  const segments = segmentsOf(req.url ?? '/');
  const routes = segments.length > 4 ? undefined : routesFor(proxies, segments);
  if (routes === undefined) throw Errors.notFound;
  const handler = routes[(req.method ?? 'GET') as Method];
  if (handler === undefined) throw Errors.methodNotAllowed;
  return handler(req);
}

function send(res: ServerResponse, reply: Reply): void {
  if (reply.body === undefined) {
    res.writeHead(reply.status).end();
    return;
  }
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }).end(text);
}

/** A node:http request listener for the API. */
export function apiHandler(proxies: ProxyCollection, onError: (err: unknown) => void = () => {}): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if ((req.headers['user-agent'] ?? '').startsWith('Mozilla/')) {
      // as Toxiproxy: a browser page must not be able to reconfigure the proxy
      send(res, { status: 403, body: new ApiError('User agent not allowed', 403) });
      return;
    }
    route(proxies, req).then(
      (reply) => send(res, reply),
      (err: unknown) => {
        // no route, or no such method on it: Toxiproxy's router answers these itself, in plain text
        if (err === Errors.notFound) res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
        else if (err === Errors.methodNotAllowed) res.writeHead(405).end();
        else {
          const e = err instanceof ApiError ? err : new ApiError(String((err as Error)?.message ?? err), 500);
          if (!(err instanceof ApiError)) onError(err);
          send(res, { status: e.status, body: e instanceof PopulateError ? { ...e.toJSON(), proxies: e.proxies } : e });
        }
      },
    );
  };
}
