// Conformance of the HTTP API, driven through toxiproxy-node-client as the
// harness drives it, plus raw requests where the status code or JSON shape matters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Toxiproxy, ToxiproxyError, type ICreateToxicBody } from 'toxiproxy-node-client';
import { startToxiproxyServer } from './server.ts';
import { connectTo, portOf, roundTrip, startEcho } from './test-support.ts';

async function raw(url: string, method: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, {
    method,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined };
}

test('version answers as Toxiproxy 2.x does', async () => {
  await using srv = await startToxiproxyServer({ seed: 1 });
  const text = await new Toxiproxy(srv.url).getVersion();
  assert.match((JSON.parse(text) as { version: string }).version, /^2\.\d+\.\d+/);
});

test('proxies: create, list, get, update (disable, enable), delete', async () => {
  await using echo = await startEcho();
  await using srv = await startToxiproxyServer({ seed: 1 });
  const tp = new Toxiproxy(srv.url);
  const p = await tp.createProxy({ name: 'db', listen: '127.0.0.1:0', upstream: echo.address });
  assert.equal(p.name, 'db');
  assert.equal(p.upstream, echo.address);
  assert.equal(p.enabled, true);
  assert.match(p.listen, /^127\.0\.0\.1:[1-9]\d*$/, 'the bound port is reported, not 0');

  const all = await tp.getAll();
  assert.deepEqual(Object.keys(all), ['db']);
  assert.equal(all['db']?.listen, p.listen);
  assert.equal((await tp.get('db')).listen, p.listen);

  const s = await connectTo(portOf(p.listen));
  assert.ok((await roundTrip(s)) >= 0, 'traffic flows through the new proxy');
  s.destroy();

  const off = await p.update({ enabled: false, listen: p.listen, upstream: p.upstream });
  assert.equal(off.enabled, false);
  assert.equal((await tp.get('db')).enabled, false);
  await assert.rejects(connectTo(portOf(p.listen)), { code: 'ECONNREFUSED' });
  const on = await p.update({ enabled: true, listen: p.listen, upstream: p.upstream });
  assert.equal(on.enabled, true);
  assert.equal(on.listen, p.listen, 're-enabled on the same address');

  await p.remove();
  assert.deepEqual(Object.keys(await tp.getAll()), []);
  await assert.rejects(tp.get('db'), ToxiproxyError);
  await assert.rejects(connectTo(portOf(p.listen)), { code: 'ECONNREFUSED' });
});

test('proxy errors: 409 on a taken name, 404 on unknown, 400 on missing fields, JSON {error, status}', async () => {
  await using srv = await startToxiproxyServer({ seed: 1 });
  const body = { name: 'a', listen: '127.0.0.1:0', upstream: '127.0.0.1:9' };
  assert.equal((await raw(`${srv.url}/proxies`, 'POST', body)).status, 201);
  assert.deepEqual(await raw(`${srv.url}/proxies`, 'POST', body), {
    status: 409,
    json: { error: 'proxy already exists', status: 409 },
  });
  assert.deepEqual(await raw(`${srv.url}/proxies/zz`, 'GET'), { status: 404, json: { error: 'proxy not found', status: 404 } });
  assert.equal((await raw(`${srv.url}/proxies/zz`, 'DELETE')).status, 404);
  assert.equal((await raw(`${srv.url}/proxies/zz/toxics`, 'GET')).status, 404);
  const missing = await raw(`${srv.url}/proxies`, 'POST', { name: 'b', listen: '127.0.0.1:0' });
  assert.equal(missing.status, 400);
  assert.match((missing.json as { error: string }).error, /missing required field: upstream/);
  assert.equal((await raw(`${srv.url}/proxies`, 'POST', '{not json')).status, 400);
  assert.equal((await raw(`${srv.url}/proxies`, 'POST', { name: 'c', upstream: 'no-port' })).status, 400);
  const browser = await fetch(`${srv.url}/proxies`, { headers: { 'User-Agent': 'Mozilla/5.0' } });
  assert.equal(browser.status, 403);
});

const EACH_TOXIC: ICreateToxicBody<Record<string, number>>[] = [
  { name: 'lat', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 10, jitter: 2 } },
  { name: 'bw', type: 'bandwidth', stream: 'upstream', toxicity: 1, attributes: { rate: 1000 } },
  { name: 'sc', type: 'slow_close', stream: 'downstream', toxicity: 1, attributes: { delay: 5 } },
  { name: 'to', type: 'timeout', stream: 'upstream', toxicity: 0.5, attributes: { timeout: 0 } },
  { name: 'rp', type: 'reset_peer', stream: 'downstream', toxicity: 0, attributes: { timeout: 100 } },
  { name: 'sl', type: 'slicer', stream: 'downstream', toxicity: 1, attributes: { average_size: 8, size_variation: 2, delay: 10 } },
  { name: 'ld', type: 'limit_data', stream: 'upstream', toxicity: 1, attributes: { bytes: 1000 } },
];

test('toxics: add, get, list, update and remove each type', async () => {
  await using srv = await startToxiproxyServer({ seed: 1 });
  const tp = new Toxiproxy(srv.url);
  const p = await tp.createProxy({ name: 'p', listen: '127.0.0.1:0', upstream: '127.0.0.1:9' });
  for (const body of EACH_TOXIC) {
    const t = await p.addToxic(body);
    assert.deepEqual(t.toJson(), body, `${body.type} is echoed back as sent`);
    assert.deepEqual((await p.getToxic(body.name)).toJson(), body);
    const doubled = Object.fromEntries(Object.entries(body.attributes).map(([k, v]) => [k, v * 2]));
    if (body.type === 'slicer') doubled['size_variation'] = 3;
    const u = await t.update({ ...body, toxicity: 0.25, attributes: doubled });
    assert.deepEqual(u.attributes, doubled, `${body.type} attributes updated`);
    assert.equal(u.toxicity, 0.25);
    assert.deepEqual((await p.getToxic(body.name)).attributes, doubled);
  }
  const listed = (await raw(`${p.getPath()}/toxics`, 'GET')).json as { name: string; stream: string }[];
  assert.equal(listed.length, EACH_TOXIC.length);
  assert.deepEqual(
    listed.map((t) => t.stream),
    [...listed.map((t) => t.stream)].sort().reverse(),
    'upstream toxics first',
  );
  const inProxy = (await raw(p.getPath(), 'GET')).json as { toxics: unknown[] };
  assert.equal(inProxy.toxics.length, EACH_TOXIC.length);
  for (const body of EACH_TOXIC) {
    await (await p.getToxic(body.name)).remove();
    await assert.rejects(p.getToxic(body.name), ToxiproxyError);
  }
  assert.deepEqual((await raw(`${p.getPath()}/toxics`, 'GET')).json, []);
});

test('toxic defaults and errors as in Toxiproxy', async () => {
  await using srv = await startToxiproxyServer({ seed: 1 });
  await raw(`${srv.url}/proxies`, 'POST', { name: 'p', upstream: '127.0.0.1:9' });
  const base = `${srv.url}/proxies/p/toxics`;
  const made = await raw(base, 'POST', { type: 'latency', attributes: { latency: 5 } });
  assert.equal(made.status, 200);
  assert.deepEqual(made.json, {
    attributes: { latency: 5, jitter: 0 },
    name: 'latency_downstream',
    type: 'latency',
    stream: 'downstream',
    toxicity: 1,
  });
  assert.deepEqual(await raw(base, 'POST', { type: 'latency' }), { status: 409, json: { error: 'toxic already exists', status: 409 } });
  assert.deepEqual(await raw(base, 'POST', { type: 'nope' }), { status: 400, json: { error: 'invalid toxic type', status: 400 } });
  assert.equal((await raw(base, 'POST', { type: 'latency', name: 'x', stream: 'sideways' })).status, 400);
  assert.equal((await raw(base, 'POST', { type: 'latency', name: 'y', toxicity: 2 })).status, 400);
  assert.equal((await raw(base, 'POST', { type: 'latency', name: 'z', attributes: { latency: -1 } })).status, 400);
  assert.deepEqual(await raw(`${base}/ghost`, 'GET'), { status: 404, json: { error: 'toxic not found', status: 404 } });
  assert.equal((await raw(`${base}/ghost`, 'DELETE')).status, 404);
  assert.equal((await raw(`${base}/ghost`, 'POST', { attributes: {} })).status, 404);
  const patched = await fetch(`${base}/latency_downstream`, { method: 'PATCH', body: JSON.stringify({ attributes: { jitter: 1 } }) });
  assert.deepEqual(((await patched.json()) as { attributes: unknown }).attributes, { latency: 5, jitter: 1 }, 'PATCH merges');
});

test('reset re-enables every proxy and removes every toxic', async () => {
  await using echo = await startEcho();
  await using srv = await startToxiproxyServer({ seed: 1 });
  const tp = new Toxiproxy(srv.url);
  const a = await tp.createProxy({ name: 'a', listen: '127.0.0.1:0', upstream: echo.address });
  const b = await tp.createProxy({ name: 'b', listen: '127.0.0.1:0', upstream: echo.address });
  await a.addToxic({ name: 't', type: 'timeout', stream: 'downstream', toxicity: 1, attributes: { timeout: 0 } });
  await b.update({ enabled: false, listen: b.listen, upstream: b.upstream });
  await tp.reset();
  const all = await tp.getAll();
  assert.equal(all['b']?.enabled, true);
  assert.deepEqual(((await raw(a.getPath(), 'GET')).json as { toxics: unknown[] }).toxics, []);
  const s = await connectTo(portOf(a.listen));
  assert.ok((await roundTrip(s)) < 5_000, 'no blackhole after reset');
  s.destroy();
  assert.ok(
    await connectTo(portOf(b.listen)).then((x) => {
      x.destroy();
      return true;
    }),
  );
});

test('populate creates, keeps unchanged proxies with their toxics, and replaces changed ones', async () => {
  await using srv = await startToxiproxyServer({ seed: 1 });
  const tp = new Toxiproxy(srv.url);
  const first = await tp.populate([
    { name: 'x', listen: '127.0.0.1:0', upstream: '127.0.0.1:9' },
    { name: 'y', listen: '127.0.0.1:0', upstream: '127.0.0.1:10', enabled: false },
  ]);
  assert.deepEqual(Object.keys(first).sort(), ['x', 'y']);
  assert.equal(first['y']?.enabled, false);
  await first['x']?.addToxic({ name: 'lat', type: 'latency', stream: 'upstream', toxicity: 1, attributes: { latency: 1, jitter: 0 } });
  const xListen = first['x']?.listen ?? '';
  const second = await tp.populate([
    { name: 'x', listen: xListen, upstream: '127.0.0.1:9' },
    { name: 'y', listen: '127.0.0.1:0', upstream: '127.0.0.1:11' },
  ]);
  assert.equal(second['x']?.listen, xListen);
  assert.equal(((await raw(`${srv.url}/proxies/x/toxics`, 'GET')).json as unknown[]).length, 1, 'unchanged proxy keeps toxics');
  assert.equal(second['y']?.upstream, '127.0.0.1:11');
  assert.equal(second['y']?.enabled, true);
  const dup = await raw(`${srv.url}/populate`, 'POST', [
    { name: 'd', upstream: '127.0.0.1:9' },
    { name: 'd', upstream: '127.0.0.1:9' },
  ]);
  assert.equal(dup.status, 400);
  assert.equal((await raw(`${srv.url}/populate`, 'POST', { name: 'notalist' })).status, 400);
  assert.deepEqual(Object.keys(await tp.getAll()).sort(), ['x', 'y'], 'a failed populate changes nothing');
});
