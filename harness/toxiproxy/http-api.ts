// Toxiproxy 2.x's HTTP API over a ProxyCollection: routes, status codes and
// JSON shapes as the real server answers them, so that toxiproxy-node-client
// (and any other Toxiproxy client) drives this server unchanged.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, Errors } from './api-error.ts';
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

function segmentsOf(url: string): string[] {
  const path = url.split('?')[0] ?? '';
  return path
    .split('/')
    .filter((s) => s !== '')
    .map((s) => decodeURIComponent(s));
}

async function route(proxies: ProxyCollection, req: IncomingMessage): Promise<Reply> {
  const method = req.method === 'PATCH' ? 'POST' : (req.method ?? 'GET');
  const [root, name, sub, toxic, ...rest] = segmentsOf(req.url ?? '/');
  if (rest.length > 0) throw Errors.notFound;
  const is = (m: string, r: string | undefined, n: boolean, s?: string, t?: boolean): boolean =>
    method === m && root === r && (name !== undefined) === n && sub === s && (toxic !== undefined) === (t ?? false);

  if (is('GET', 'version', false)) return { status: 200, body: { version: TOXIPROXY_VERSION } };
  if (is('POST', 'reset', false)) {
    await proxies.reset();
    return { status: 204 };
  }
  if (is('POST', 'populate', false)) {
    const list = await proxies.populate(await readJson(req));
    return { status: 201, body: { proxies: list.map((p) => p.toJSON()) } };
  }
  if (root !== 'proxies') throw Errors.notFound;
  if (is('GET', 'proxies', false)) {
    return { status: 200, body: Object.fromEntries(proxies.list().map((p) => [p.name, p.toJSON()])) };
  }
  if (is('POST', 'proxies', false)) return { status: 201, body: (await proxies.create(await readJson(req))).toJSON() };
  if (name === undefined) throw Errors.methodNotAllowed;
  if (is('GET', 'proxies', true)) return { status: 200, body: proxies.get(name).toJSON() };
  if (is('POST', 'proxies', true)) return { status: 200, body: (await proxies.update(name, await readJson(req))).toJSON() };
  if (is('DELETE', 'proxies', true)) {
    await proxies.remove(name);
    return { status: 204 };
  }
  if (sub !== 'toxics') throw Errors.notFound;
  const proxy = proxies.get(name);
  if (is('GET', 'proxies', true, 'toxics')) return { status: 200, body: proxy.listToxics().map(toxicJson) };
  if (is('POST', 'proxies', true, 'toxics')) {
    return { status: 200, body: toxicJson(proxy.addToxic(parseToxicCreate(await readJson(req)))) };
  }
  if (toxic === undefined) throw Errors.methodNotAllowed;
  if (is('GET', 'proxies', true, 'toxics', true)) return { status: 200, body: toxicJson(proxy.getToxic(toxic)) };
  if (is('POST', 'proxies', true, 'toxics', true)) {
    return { status: 200, body: toxicJson(proxy.updateToxic(toxic, await readJson(req))) };
  }
  if (is('DELETE', 'proxies', true, 'toxics', true)) {
    proxy.removeToxic(toxic);
    return { status: 204 };
  }
  throw Errors.methodNotAllowed;
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
export function apiHandler(
  proxies: ProxyCollection,
  onError: (err: unknown) => void = () => {},
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if ((req.headers['user-agent'] ?? '').startsWith('Mozilla/')) {
      // as Toxiproxy: a browser page must not be able to reconfigure the proxy
      send(res, { status: 403, body: new ApiError('User agent not allowed', 403) });
      return;
    }
    route(proxies, req).then(
      (reply) => send(res, reply),
      (err: unknown) => {
        const e = err instanceof ApiError ? err : new ApiError(String((err as Error)?.message ?? err), 500);
        if (!(err instanceof ApiError)) onError(err);
        send(res, { status: e.status, body: e });
      },
    );
  };
}
