// The embedded server and a real Toxiproxy 2.12 answer the same API calls the same
// way: one scripted sequence of calls runs against each (a fresh server each time),
// and every step's status code and body must agree, then a few data-plane behaviours
// are watched through both. The real server is ../shared/bin/toxiproxy-server (a build
// of Toxiproxy's own source, beside the clone in CI); where it is absent the test is
// skipped, saying so.
//
// Bodies are compared after these normalisations, each for a difference that is
// legitimate (README.md in this folder lists the differences that are intended):
// - addresses: every listen / upstream address the script made up (its own free
//   ports, different for each server) is written back as its placeholder ({a}, {echo});
//   a port the server chose (listen "127.0.0.1:0") is written as <bound> once it is
//   checked to be a real port;
// - GET /version: the version string must be 2.12.x (ours says 2.12.0+gameday);
// - "Logger": {} in a proxy, a field Toxiproxy 2.12's Go struct leaks into its JSON,
//   is dropped (clients ignore it; we do not write it);
// - "bad request body: <detail>": the detail of an undecodable body is Go's JSON
//   decoder's message in the real server and ours in ours; only "bad request body"
//   is compared (an empty body, "EOF", is compared whole);
// - a proxy created without a listen address: Toxiproxy binds every interface
//   ("[::]:port"), ours loopback ("127.0.0.1:port"): the host is not compared.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../providers/ports.ts';
import { startToxiproxyServer } from './server.ts';
import { connectTo, nothingWithin, portOf, readToClose, roundTrip, sleep, startEcho, type Upstream } from './test-support.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const realServer = join(repoRoot, '..', 'shared', 'bin', 'toxiproxy-server');
const skip = existsSync(realServer) ? false : `no real Toxiproxy at ${realServer} (../shared is beside the clone in CI only)`;

interface Api {
  readonly url: string;
  close(): Promise<void>;
}

async function startReal(): Promise<Api> {
  const port = await freePort('127.0.0.1');
  const proc = spawn(realServer, ['-host', '127.0.0.1', '-port', String(port)], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    if (
      await fetch(`${url}/version`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await sleep(25);
  }
  return {
    url,
    close: async () => {
      proc.kill('SIGKILL');
      await new Promise((r) => (proc.exitCode === null ? proc.once('exit', r) : r(null)));
    },
  };
}

async function startEmbedded(): Promise<Api> {
  const srv = await startToxiproxyServer({ seed: 19 });
  return { url: srv.url, close: () => srv.close() };
}

/** Addresses each run makes up: free ports of its own, and a port some other program holds. */
interface Places {
  readonly echo: Upstream;
  readonly busy: Server;
  readonly names: ReadonlyMap<string, string>; // placeholder → address
}

async function places(): Promise<Places> {
  const echo = await startEcho();
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  const names = new Map<string, string>([
    ['{echo}', echo.address],
    ['{busy}', `127.0.0.1:${(busy.address() as { port: number }).port}`],
  ]);
  for (const p of ['{a}', '{b}', '{c}', '{d}']) names.set(p, `127.0.0.1:${await freePort('127.0.0.1')}`);
  return { echo, busy, names };
}

interface Step {
  readonly label: string;
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';
  readonly path: string;
  /** A JSON value, or raw text (for bodies that are not JSON). */
  readonly body?: unknown;
  /** A proxy made without a listen address: its listen host is not compared (see the top). */
  readonly anyListenHost?: true;
  /** A difference we mean (README.md): the real server accepts (2xx) what ours refuses (400). */
  readonly stricter?: string;
}

const proxy = (name: string, listen: string | undefined, upstream = '{echo}', more: object = {}): object => ({
  name,
  ...(listen === undefined ? {} : { listen }),
  upstream,
  ...more,
});

/** The script: every call a client makes, and the errors a client can cause. */
const STEPS: readonly Step[] = [
  { label: 'version', method: 'GET', path: '/version' },
  { label: 'no proxies yet', method: 'GET', path: '/proxies' },
  { label: 'create a', method: 'POST', path: '/proxies', body: proxy('a', '{a}') },
  { label: 'create b, disabled', method: 'POST', path: '/proxies', body: proxy('b', '{b}', '{echo}', { enabled: false }) },
  { label: 'create on port 0', method: 'POST', path: '/proxies', body: proxy('zero', '127.0.0.1:0') },
  { label: 'create with no listen', method: 'POST', path: '/proxies', body: proxy('nolisten', undefined), anyListenHost: true },
  { label: 'delete it', method: 'DELETE', path: '/proxies/nolisten' },
  { label: 'create with an unresolvable upstream', method: 'POST', path: '/proxies', body: proxy('far', '{d}', 'nowhere.invalid:1') },
  { label: 'list', method: 'GET', path: '/proxies' },
  { label: 'get a', method: 'GET', path: '/proxies/a' },
  { label: 'duplicate name', method: 'POST', path: '/proxies', body: proxy('a', '127.0.0.1:0') },
  { label: 'port in use by a proxy', method: 'POST', path: '/proxies', body: proxy('dup-port', '{a}') },
  { label: 'port in use by another program', method: 'POST', path: '/proxies', body: proxy('busy', '{busy}') },
  { label: 'listen with no port', method: 'POST', path: '/proxies', body: proxy('noport', 'nohost') },
  { label: 'enabled not a boolean', method: 'POST', path: '/proxies', body: proxy('x', '127.0.0.1:0', '{echo}', { enabled: 'yes' }) },
  { label: 'missing name', method: 'POST', path: '/proxies', body: { listen: '127.0.0.1:0', upstream: '{echo}' } },
  { label: 'missing upstream', method: 'POST', path: '/proxies', body: { name: 'x', listen: '127.0.0.1:0' } },
  { label: 'bad JSON', method: 'POST', path: '/proxies', body: '{"name": "x",' },
  { label: 'empty body', method: 'POST', path: '/proxies', body: '' },
  { label: 'an array for a proxy', method: 'POST', path: '/proxies', body: [] },
  { label: 'unknown proxy', method: 'GET', path: '/proxies/nope' },
  { label: 'update unknown proxy', method: 'POST', path: '/proxies/nope', body: { enabled: false } },
  { label: 'delete unknown proxy', method: 'DELETE', path: '/proxies/nope' },
  { label: 'disable a', method: 'POST', path: '/proxies/a', body: { enabled: false } },
  { label: 'disable a again', method: 'POST', path: '/proxies/a', body: { enabled: false } },
  { label: 'enable a', method: 'POST', path: '/proxies/a', body: { enabled: true } },
  { label: 'enable b (PATCH)', method: 'PATCH', path: '/proxies/b', body: { enabled: true } },
  { label: 'move b to another port', method: 'POST', path: '/proxies/b', body: { listen: '{c}' } },
  { label: 'move b onto a taken port', method: 'POST', path: '/proxies/b', body: { listen: '{a}' } },
  { label: 'b after the failed move', method: 'GET', path: '/proxies/b' },
  { label: 'bad JSON for an update', method: 'POST', path: '/proxies/a', body: 'nope' },
  // toxics: every type, with its attributes, then without (defaults)
  { label: 'latency', method: 'POST', path: '/proxies/a/toxics', body: { type: 'latency', attributes: { latency: 100, jitter: 10 } } },
  { label: 'bandwidth upstream', method: 'POST', path: '/proxies/a/toxics', body: { type: 'bandwidth', stream: 'upstream', attributes: { rate: 64 } } },
  { label: 'slow_close', method: 'POST', path: '/proxies/a/toxics', body: { type: 'slow_close', name: 'sc', attributes: { delay: 50 } } },
  { label: 'timeout', method: 'POST', path: '/proxies/a/toxics', body: { type: 'timeout', name: 'to', toxicity: 0.5, attributes: { timeout: 0 } } },
  { label: 'reset_peer', method: 'POST', path: '/proxies/a/toxics', body: { type: 'reset_peer', name: 'rp', stream: 'upstream', attributes: { timeout: 20 } } },
  {
    label: 'slicer',
    method: 'POST',
    path: '/proxies/a/toxics',
    body: { type: 'slicer', name: 'sl', attributes: { average_size: 8, size_variation: 2, delay: 5 } },
  },
  { label: 'limit_data', method: 'POST', path: '/proxies/a/toxics', body: { type: 'limit_data', name: 'ld', attributes: { bytes: 1000 } } },
  { label: 'latency with no attributes', method: 'POST', path: '/proxies/b/toxics', body: { type: 'latency' } },
  { label: 'unknown attributes are ignored', method: 'POST', path: '/proxies/b/toxics', body: { type: 'bandwidth', attributes: { rate: 1, speed: 9 } } },
  { label: 'stream in capitals', method: 'POST', path: '/proxies/b/toxics', body: { type: 'limit_data', stream: 'UPSTREAM' } },
  { label: 'list toxics', method: 'GET', path: '/proxies/a/toxics' },
  { label: 'get a toxic', method: 'GET', path: '/proxies/a/toxics/latency_downstream' },
  { label: 'update a toxic attribute', method: 'POST', path: '/proxies/a/toxics/latency_downstream', body: { attributes: { latency: 5 } } },
  { label: 'update toxicity', method: 'POST', path: '/proxies/a/toxics/to', body: { toxicity: 0.25 } },
  { label: 'update a toxic (PATCH)', method: 'PATCH', path: '/proxies/a/toxics/sl', body: { attributes: { delay: 1 } } },
  { label: 'proxy shows its toxics', method: 'GET', path: '/proxies/a' },
  { label: 'duplicate toxic', method: 'POST', path: '/proxies/a/toxics', body: { type: 'latency' } },
  { label: 'same name, other stream', method: 'POST', path: '/proxies/a/toxics', body: { type: 'latency', name: 'sc', stream: 'upstream' } },
  { label: 'bad toxic type', method: 'POST', path: '/proxies/a/toxics', body: { type: 'bogus' } },
  { label: 'no toxic type', method: 'POST', path: '/proxies/a/toxics', body: { name: 'x' } },
  { label: 'bad stream', method: 'POST', path: '/proxies/a/toxics', body: { type: 'latency', name: 'x', stream: 'sideways' } },
  { label: 'bad JSON for a toxic', method: 'POST', path: '/proxies/a/toxics', body: '{"type":' },
  { label: 'toxic on unknown proxy', method: 'POST', path: '/proxies/nope/toxics', body: { type: 'latency' } },
  { label: 'unknown toxic', method: 'GET', path: '/proxies/a/toxics/nope' },
  { label: 'update unknown toxic', method: 'POST', path: '/proxies/a/toxics/nope', body: { toxicity: 1 } },
  { label: 'remove a toxic', method: 'DELETE', path: '/proxies/a/toxics/rp' },
  { label: 'remove it again', method: 'DELETE', path: '/proxies/a/toxics/rp' },
  { label: 'toxics after removal', method: 'GET', path: '/proxies/a/toxics' },
  { label: 'attribute not a number', method: 'POST', path: '/proxies/a/toxics', body: { type: 'latency', name: 'x', attributes: { latency: '5' } } },
  { label: 'toxicity not a number', method: 'POST', path: '/proxies/a/toxics', body: { type: 'latency', name: 'x', toxicity: 'x' } },
  { label: 'attributes null', method: 'POST', path: '/proxies/a/toxics', body: { type: 'latency', name: 'nul', attributes: null } },
  { label: 'remove it', method: 'DELETE', path: '/proxies/a/toxics/nul' },
  // what Toxiproxy accepts and ours refuses, on a proxy made for it and removed after
  { label: 'scratch proxy', method: 'POST', path: '/proxies', body: proxy('scratch', '127.0.0.1:0') },
  {
    label: 'negative attribute',
    method: 'POST',
    path: '/proxies/scratch/toxics',
    body: { type: 'latency', name: 'neg', attributes: { latency: -5 } },
    stricter: 'a negative latency',
  },
  {
    label: 'toxicity above 1',
    method: 'POST',
    path: '/proxies/scratch/toxics',
    body: { type: 'latency', name: 'tox', toxicity: 2 },
    stricter: 'toxicity outside 0..1',
  },
  {
    label: 'slicer with no attributes',
    method: 'POST',
    path: '/proxies/scratch/toxics',
    body: { type: 'slicer' },
    stricter: 'average_size 0 (Toxiproxy then recurses without end on the first data)',
  },
  { label: 'upstream with no port', method: 'POST', path: '/proxies/scratch', body: { upstream: 'nohostport' }, stricter: 'an upstream it can never dial' },
  { label: 'scratch gone', method: 'DELETE', path: '/proxies/scratch' },
  // b still names {a} after its failed move (so does Toxiproxy's); a reset would fail on it, leaving a
  // part of the proxies reset, which part depending on Go's map order: b moves back first
  { label: 'move b back', method: 'POST', path: '/proxies/b', body: { listen: '{b}' } },
  { label: 'disable b, then reset', method: 'POST', path: '/proxies/b', body: { enabled: false } },
  { label: 'reset', method: 'POST', path: '/reset' },
  { label: 'after reset: enabled, no toxics', method: 'GET', path: '/proxies' },
  { label: 'delete a', method: 'DELETE', path: '/proxies/a' },
  { label: 'delete a again', method: 'DELETE', path: '/proxies/a' },
  { label: 'a is gone', method: 'GET', path: '/proxies/a' },
  { label: 'populate', method: 'POST', path: '/populate', body: [proxy('p1', '{a}'), proxy('b', '{c}')] },
  { label: 'populate with a bad entry', method: 'POST', path: '/populate', body: [proxy('p2', '127.0.0.1:0'), { name: 'p3' }] },
  { label: 'populate, a port in use on the second', method: 'POST', path: '/populate', body: [proxy('p4', '{b}'), proxy('p5', '{b}')] },
  { label: 'populate nothing', method: 'POST', path: '/populate', body: [] },
  { label: 'populate an object', method: 'POST', path: '/populate', body: { a: 1 } },
  { label: 'populate bad JSON', method: 'POST', path: '/populate', body: '[{' },
  { label: 'after populate', method: 'GET', path: '/proxies' },
  { label: 'unknown route', method: 'GET', path: '/nope' },
  { label: 'trailing slash', method: 'GET', path: '/proxies/' },
  { label: 'trailing slash after a name', method: 'GET', path: '/proxies/p1/' },
  { label: 'unknown route under a proxy', method: 'GET', path: '/proxies/p1/nope' },
  { label: 'wrong method', method: 'PUT', path: '/proxies' },
  { label: 'PATCH /proxies', method: 'PATCH', path: '/proxies', body: proxy('x', '127.0.0.1:0') },
  { label: 'wrong method on a proxy', method: 'PUT', path: '/proxies/p1' },
  { label: 'wrong method on an unknown proxy', method: 'PUT', path: '/proxies/nope' },
  { label: 'wrong method on toxics', method: 'PATCH', path: '/proxies/p1/toxics', body: { type: 'latency' } },
  { label: 'GET /reset', method: 'GET', path: '/reset' },
  { label: 'POST /version', method: 'POST', path: '/version' },
];

const sub = (text: string, names: ReadonlyMap<string, string>): string => {
  let out = text;
  for (const [k, v] of names) out = out.split(k).join(v);
  return out;
};

/** The normalisations listed at the top of this file. */
function normalise(v: unknown, names: ReadonlyMap<string, string>, step: Step, key = ''): unknown {
  if (Array.isArray(v)) return v.map((x) => normalise(x, names, step));
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (k !== 'Logger') out[k] = normalise(x, names, step, k);
    return out;
  }
  if (typeof v !== 'string') return v;
  if (key === 'version') return /^2\.12\.\d+/.test(v) ? '2.12.x' : v;
  if (key === 'error' && v.startsWith('bad request body: ') && v !== 'bad request body: EOF') return 'bad request body: <detail>';
  let s = v;
  for (const [k, a] of names) s = s.replace(new RegExp(`${a.replaceAll('.', '\\.')}(?!\\d)`, 'g'), k);
  if (key === 'listen' && s === v) {
    const port = portOf(v);
    if (port > 0 && port < 65536) s = step.anyListenHost ? '<any>:<bound>' : `${v.slice(0, v.lastIndexOf(':'))}:<bound>`;
  }
  return s;
}

interface Answer {
  readonly step: string;
  readonly status: number;
  readonly body: unknown;
}

async function runScript(api: Api, p: Places): Promise<Answer[]> {
  const out: Answer[] = [];
  for (const step of STEPS) {
    const body = step.body === undefined ? undefined : sub(typeof step.body === 'string' ? step.body : JSON.stringify(step.body), p.names);
    const res = await fetch(`${api.url}${step.path}`, { method: step.method, ...(body === undefined ? {} : { body }) });
    const text = await res.text();
    let json: unknown;
    try {
      json = text === '' ? '' : (JSON.parse(text) as unknown);
    } catch {
      json = text.trim();
    }
    out.push({ step: step.label, status: res.status, body: normalise(json, p.names, step) });
  }
  return out;
}

test('the API: the same calls get the same answers from a real Toxiproxy 2.12 and from ours', { skip, timeout: 60_000 }, async () => {
  const answers: Answer[][] = [];
  for (const start of [startReal, startEmbedded]) {
    const p = await places();
    const api = await start();
    try {
      answers.push(await runScript(api, p));
    } finally {
      await api.close();
      await p.echo.close();
      await new Promise((r) => p.busy.close(r));
    }
  }
  const [real, ours] = answers as [Answer[], Answer[]];
  const differ = real.flatMap((r, i) => {
    const o = ours[i] as Answer;
    const step = STEPS[i] as Step;
    const same = step.stricter === undefined ? JSON.stringify(r) === JSON.stringify(o) : r.status < 300 && o.status === 400;
    return same ? [] : [{ ...(step.stricter === undefined ? {} : { stricter: step.stricter }), real: r, ours: o }];
  });
  assert.deepEqual(differ, [], `steps where the answers differ:\n${JSON.stringify(differ, null, 1)}`);
});

/** One data-plane observation, made through one server. */
async function through(api: Api, echo: Upstream, name: string, toxic: object | undefined, watch: (port: number) => Promise<unknown>): Promise<unknown> {
  const call = async (method: string, path: string, body: object): Promise<void> => {
    const res = await fetch(`${api.url}${path}`, { method, body: JSON.stringify(body) });
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.text()}`);
  };
  await call('POST', '/proxies', { name, listen: '127.0.0.1:0', upstream: echo.address });
  const listen = ((await (await fetch(`${api.url}/proxies/${name}`)).json()) as { listen: string }).listen;
  if (toxic !== undefined) await call('POST', `/proxies/${name}/toxics`, toxic);
  return watch(portOf(listen));
}

test('data plane: latency, timeout 0 and a timeout that closes, reset_peer, a disabled proxy: the same through both', { skip, timeout: 60_000 }, async () => {
  const seen: Record<string, unknown>[] = [];
  for (const start of [startReal, startEmbedded]) {
    const api = await start();
    const echo = await startEcho();
    try {
      const s: Record<string, unknown> = {};
      s['latency 150 ms adds at least 150 ms to a round trip'] = await through(
        api,
        echo,
        'lat',
        { type: 'latency', attributes: { latency: 150 } },
        async (port) => {
          const c = await connectTo(port);
          const ms = await roundTrip(c);
          c.destroy();
          return ms >= 150 && ms < 1500;
        },
      );
      s['timeout 0: data held, connection kept open'] = await through(api, echo, 'hold', { type: 'timeout', attributes: { timeout: 0 } }, async (port) => {
        const c = await connectTo(port);
        c.write('hello');
        const quiet = await nothingWithin(c, 400);
        const open = !c.destroyed && c.readyState === 'open';
        c.destroy();
        return { quiet, open };
      });
      s['timeout 100: closed after about 100 ms, nothing through'] = await through(
        api,
        echo,
        'cut',
        { type: 'timeout', attributes: { timeout: 100 } },
        async (port) => {
          const c = await connectTo(port);
          const t0 = performance.now();
          c.write('hello');
          const r = await readToClose(c, 3000);
          return { bytes: r.data.length, closed: r.how !== 'timeout', afterTimeout: r.at - t0 >= 90 };
        },
      );
      s['reset_peer 0: the connection is reset'] = await through(api, echo, 'rst', { type: 'reset_peer', attributes: { timeout: 0 } }, async (port) => {
        const c = await connectTo(port);
        c.write('hello');
        const r = await readToClose(c, 3000);
        return { bytes: r.data.length, how: r.how };
      });
      s['a disabled proxy refuses connections'] = await through(api, echo, 'down', undefined, async (port) => {
        const res = await fetch(`${api.url}/proxies/down`, { method: 'POST', body: JSON.stringify({ enabled: false }) });
        assert.equal(res.status, 200);
        return connectTo(port).then(
          (c) => {
            c.destroy();
            return 'connected';
          },
          (e: NodeJS.ErrnoException) => e.code,
        );
      });
      seen.push(s);
    } finally {
      await api.close();
      await echo.close();
    }
  }
  const [real, ours] = seen as [Record<string, unknown>, Record<string, unknown>];
  assert.deepEqual(ours, real);
  // and what Toxiproxy does is what its documentation says
  assert.deepEqual(real, {
    'latency 150 ms adds at least 150 ms to a round trip': true,
    'timeout 0: data held, connection kept open': { quiet: true, open: true },
    'timeout 100: closed after about 100 ms, nothing through': { bytes: 0, closed: true, afterTimeout: true },
    'reset_peer 0: the connection is reset': { bytes: 0, how: 'ECONNRESET' },
    'a disabled proxy refuses connections': 'ECONNREFUSED',
  });
});
