// A service with an HTTP key-value API, described in the experiment file alone
// (`target: { name: http, options: {...} }`): for each operation the request (method,
// path and body templates with {key} / {value} / {expected} / {consistency}), where
// the value is in the answer, and which statuses mean ok, a failed compare-and-set,
// certainly not applied; any other answer, or a timeout, is unknown (info). With a
// launching provider, how to start each node (a command with {id} / {host} / {port} /
// {dataDir} / {peers}); with provider attach, the containers are the nodes.

import { Agent } from 'node:http';
import { z } from 'zod';
import { answered, jsonCall, type JsonAnswer } from '../../canaries/json-call.ts';
import { PRECONDITION_FAILED } from '../../harness/history/op.ts';
import type { CallOutcome, ClientOptions, KvApi, LaunchContext, LaunchSpec, NodeInfo, Target, Topology } from '../target.ts';

/** Placeholders each template may use; any other `{name}` is refused before anything starts. */
export const REQUEST_PLACEHOLDERS = ['key', 'value', 'expected', 'consistency'] as const;
export const COMMAND_PLACEHOLDERS = ['id', 'host', 'port', 'dataDir', 'peers'] as const;
const PLACEHOLDER = /\{([^{}]*)\}/g;

const said = (message: string, fix: string): string => `${message} (fix: ${fix})`;
const placeholdersIn = (s: string): string[] => [...s.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '');
const templated = (allowed: readonly string[], what: string) =>
  z.string().superRefine((s, ctx) => {
    for (const p of placeholdersIn(s)) {
      if (!allowed.includes(p))
        ctx.addIssue({ code: 'custom', message: said(`names an unknown placeholder {${p}}`, `${what} may use ${allowed.map((a) => `{${a}}`).join(', ')}`) });
    }
  });
type Body = string | number | boolean | null | readonly Body[] | { readonly [k: string]: Body };
const body: z.ZodType<Body> = z.lazy(() =>
  z.union([templated(REQUEST_PLACEHOLDERS, 'a body'), z.number(), z.boolean(), z.null(), z.array(body), z.record(z.string(), body)]),
);
const statuses = z.array(z.number().int().min(100).max(599)).min(1);
const operation = (defaults: { method: string; ok: number[] }) =>
  z.strictObject({
    method: z.enum(['GET', 'PUT', 'POST', 'PATCH', 'DELETE']).default(defaults.method as 'GET'),
    path: templated(REQUEST_PLACEHOLDERS, 'a path').meta({ description: 'the request path, e.g. /kv/{key}' }),
    body: body
      .optional()
      .meta({ description: 'the JSON body; a string that is exactly "{value}" or "{expected}" becomes that value (null for no expected value)' }),
    ok: statuses.default(defaults.ok).meta({ description: 'statuses meaning it happened' }),
    fail: z
      .array(z.number().int().min(100).max(599))
      .default([])
      .meta({ description: 'statuses meaning it certainly did not happen (any other answer is unknown)' }),
  });

export const httpOptions = z.strictObject({
  promises: z.enum(['linearizable-kv', 'no-lost-writes']).default('linearizable-kv'),
  nodes: z
    .array(
      z.strictObject({
        id: z.string().regex(/^[\w.-]+$/, { message: said('must be a name of letters, digits, ".", "_" or "-"', 'e.g. id: n1') }),
        az: z.string().min(1),
        role: z
          .string()
          .regex(/^[\w.-]+$/)
          .default('node'),
        command: z.array(templated(COMMAND_PLACEHOLDERS, 'a command')).min(1).meta({ description: 'how to start it: executable and arguments' }),
        files: z.array(z.string()).default([]).meta({ description: 'files it reads (mounted read-only on docker)' }),
      }),
    )
    .min(1)
    .optional()
    .meta({ description: 'how to start each node (local and docker providers); leave out with provider attach, whose containers are the nodes' }),
  ready: z.union([z.strictObject({ path: z.string().startsWith('/') }), z.strictObject({ tcp: z.literal(true) })]).default({ path: '/health' }),
  operations: z.strictObject({
    get: operation({ method: 'GET', ok: [200] }).extend({
      value: z.string().default('value').meta({ description: 'where the value is in the answer: a field, or fields joined by dots' }),
      absent: z.array(z.number().int()).default([404]).meta({ description: 'statuses meaning the key has no value' }),
    }),
    put: operation({ method: 'PUT', ok: [200, 201, 204] }),
    cas: operation({ method: 'POST', ok: [200] })
      .extend({
        mismatch: statuses.default([409, 412]).meta({ description: 'statuses meaning the expected value did not match (nothing was written)' }),
        current: z.string().optional().meta({ description: 'where the current value is in a mismatch answer' }),
      })
      .optional(),
    delete: operation({ method: 'DELETE', ok: [200, 204, 404] }).optional(),
  }),
});
export type HttpOptions = z.output<typeof httpOptions>;

/** `a.b.c` in a JSON answer; a string, or null when absent or null. */
function pick(b: Record<string, unknown>, path: string): string | null {
  let x: unknown = b;
  for (const k of path.split('.')) x = x !== null && typeof x === 'object' ? (x as Record<string, unknown>)[k] : undefined;
  return x === undefined || x === null ? null : typeof x === 'string' ? x : JSON.stringify(x);
}

type Vars = Readonly<Partial<Record<(typeof REQUEST_PLACEHOLDERS)[number], string | null>>>;
const fillPath = (t: string, v: Vars): string => t.replace(PLACEHOLDER, (_, p: string) => encodeURIComponent(v[p as keyof Vars] ?? ''));
function fillBody(t: Body, v: Vars): unknown {
  if (typeof t === 'string') {
    const whole = /^\{(\w+)\}$/.exec(t);
    if (whole) return v[whole[1] as keyof Vars] ?? null;
    return t.replace(PLACEHOLDER, (_, p: string) => v[p as keyof Vars] ?? '');
  }
  if (Array.isArray(t)) return t.map((x) => fillBody(x, v));
  if (t !== null && typeof t === 'object') return Object.fromEntries(Object.entries(t).map(([k, x]) => [k, fillBody(x as Body, v)]));
  return t;
}

export class HttpKvClient implements KvApi {
  private readonly agent: Agent;
  constructor(
    private readonly base: string,
    private readonly ops: HttpOptions['operations'],
    private readonly o: ClientOptions,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: o.maxInFlight });
  }

  private async send(op: { method: string; path: string; body?: Body | undefined }, v: Vars): Promise<JsonAnswer | CallOutcome> {
    return jsonCall(this.agent, this.base + fillPath(op.path, v), op.method, op.body === undefined ? undefined : fillBody(op.body, v), this.o.timeoutMs);
  }

  private classify(a: JsonAnswer | CallOutcome, op: { ok: readonly number[]; fail: readonly number[] }): CallOutcome {
    if (!answered(a)) return a;
    if (op.ok.includes(a.status)) return { type: 'ok' };
    return { type: op.fail.includes(a.status) ? 'fail' : 'info', error: `HTTP ${a.status}` };
  }

  async get(key: string, consistency: 'strong' | 'eventual'): Promise<CallOutcome> {
    const op = this.ops.get;
    const a = await this.send(op, { key, consistency });
    if (answered(a) && op.absent.includes(a.status)) return { type: 'ok', value: null };
    if (answered(a) && op.ok.includes(a.status)) return { type: 'ok', value: pick(a.body, op.value) };
    return this.classify(a, op);
  }

  async put(key: string, value: string): Promise<CallOutcome> {
    return this.classify(await this.send(this.ops.put, { key, value }), this.ops.put);
  }

  async cas(key: string, expected: string | null, value: string): Promise<CallOutcome> {
    const op = this.ops.cas;
    if (!op) return { type: 'fail', error: 'this service has no compare-and-set (operations.cas)' };
    const a = await this.send(op, { key, value, expected });
    if (answered(a) && op.mismatch.includes(a.status))
      return { type: 'fail', error: PRECONDITION_FAILED, current: op.current === undefined ? null : pick(a.body, op.current) };
    return this.classify(a, op);
  }

  async delete(key: string): Promise<CallOutcome> {
    const op = this.ops.delete;
    if (!op) return { type: 'fail', error: 'this service has no delete (operations.delete)' };
    return this.classify(await this.send(op, { key }), op);
  }

  close(): void {
    this.agent.destroy();
  }
}

export class HttpTarget implements Target {
  readonly name = 'http';
  readonly promises: HttpOptions['promises'];
  readonly optionsSchema = httpOptions;

  constructor(readonly options: HttpOptions) {
    this.promises = options.promises;
  }

  topology(): Topology {
    const nodes = this.options.nodes ?? [];
    return {
      region: 'http',
      azs: [...new Set(nodes.map((n) => n.az))],
      nodes: nodes.map((n): NodeInfo => ({ id: n.id, az: n.az, role: n.role, public: true })),
    };
  }

  launch(node: NodeInfo, ctx: LaunchContext): LaunchSpec {
    const spec = this.options.nodes?.find((n) => n.id === node.id);
    if (!spec) throw new Error(`target http: no command for node ${node.id} (target.options.nodes)`);
    const peers = this.topology()
      .nodes.filter((n) => n.id !== node.id)
      .map((n) => `${n.id}=${ctx.peerUrl(n.id)}`)
      .join(',');
    const vars: Record<(typeof COMMAND_PLACEHOLDERS)[number], string> = {
      id: node.id,
      host: ctx.listen.host,
      port: String(ctx.listen.port),
      dataDir: ctx.dataDir,
      peers,
    };
    const [cmd, ...args] = spec.command.map((s) => s.replace(PLACEHOLDER, (_, p: string) => vars[p as keyof typeof vars] ?? ''));
    return {
      command: [cmd as string],
      args,
      env: {},
      files: spec.files,
      readyPath: 'path' in this.options.ready ? this.options.ready.path : '/',
      ...('tcp' in this.options.ready ? { ready: { tcp: true as const } } : {}),
    };
  }

  client(url: string, o: ClientOptions): HttpKvClient {
    return new HttpKvClient(url, this.options.operations, o);
  }
}
