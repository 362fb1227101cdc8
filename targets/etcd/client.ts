// The canaries' client for etcd: the v3 API through its JSON gateway (POST
// /v3/kv/range, /put, /txn, /deleterange; keys and values base64). Every answer is
// what a customer learns from it: ok; fail only when the request certainly had no
// effect (a refused connection, a compare that did not hold); info otherwise (a
// timeout, an error of the server: etcd may still apply a write it timed out on).

import { Agent, request } from 'node:http';
import { PRECONDITION_FAILED } from '../../harness/history/op.ts';
import type { CallOutcome, ClientOptions, KvApi } from '../target.ts';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string | undefined): string | null => (s === undefined ? null : Buffer.from(s, 'base64').toString('utf8'));

interface Kv {
  readonly key?: string;
  readonly value?: string;
  readonly mod_revision?: string;
}

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export class EtcdClient implements KvApi {
  private readonly agent: Agent;

  constructor(
    readonly baseUrl: string,
    private readonly o: ClientOptions,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: o.maxInFlight });
  }

  async get(key: string, consistency: 'strong' | 'eventual'): Promise<CallOutcome> {
    const a = await this.call('/v3/kv/range', { key: b64(key), ...(consistency === 'eventual' ? { serializable: true } : {}) });
    if ('type' in a) return a;
    const kvs = (a.body['kvs'] as Kv[] | undefined) ?? [];
    return { type: 'ok', value: unb64(kvs[0]?.value) };
  }

  async put(key: string, value: string): Promise<CallOutcome> {
    const a = await this.call('/v3/kv/put', { key: b64(key), value: b64(value) });
    return 'type' in a ? a : { type: 'ok' };
  }

  async cas(key: string, expected: string | null, value: string): Promise<CallOutcome> {
    const k = b64(key);
    const compare = expected === null ? { target: 'CREATE', key: k, create_revision: '0', result: 'EQUAL' } : { target: 'VALUE', key: k, value: b64(expected), result: 'EQUAL' };
    const a = await this.call('/v3/kv/txn', { compare: [compare], success: [{ request_put: { key: k, value: b64(value) } }], failure: [{ request_range: { key: k } }] });
    if ('type' in a) return a;
    if (a.body['succeeded'] === true) return { type: 'ok' };
    // the JSON gateway leaves out false: the compare did not hold, and the failure branch read the value
    const responses = (a.body['responses'] as { response_range?: { kvs?: Kv[] } }[] | undefined) ?? [];
    return { type: 'fail', error: PRECONDITION_FAILED, current: unb64(responses[0]?.response_range?.kvs?.[0]?.value) };
  }

  async delete(key: string): Promise<CallOutcome> {
    const a = await this.call('/v3/kv/deleterange', { key: b64(key) });
    return 'type' in a ? a : { type: 'ok' };
  }

  close(): void {
    this.agent.destroy();
  }

  /** A 200 answer, or the outcome that stands for the failure. */
  private call(path: string, body: unknown): Promise<Answer | CallOutcome> {
    return new Promise((resolve) => {
      const data = Buffer.from(JSON.stringify(body));
      let settled = false;
      let sent = false;
      const done = (x: Answer | CallOutcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(x);
      };
      const req = request(this.baseUrl + path, { method: 'POST', agent: this.agent, headers: { 'content-type': 'application/json', 'content-length': data.length } });
      const timer = setTimeout(() => {
        done({ type: 'info', error: `timeout after ${this.o.timeoutMs} ms` });
        req.destroy();
      }, this.o.timeoutMs);
      req.on('finish', () => (sent = true));
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'ECONNREFUSED' || !sent) done({ type: 'fail', error: err.code ?? err.message });
        else done({ type: 'info', error: err.code ?? err.message });
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => done({ type: 'info', error: err.message }));
        res.on('end', () => {
          let b: Record<string, unknown> = {};
          try {
            b = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
          } catch {
            /* keep {} */
          }
          if (res.statusCode === 200) return done({ status: 200, body: b });
          // etcd's errors ("etcdserver: request timed out", "no leader", ...) do not say the request was not applied
          done({ type: 'info', error: `${res.statusCode ?? 0} ${String(b['error'] ?? b['message'] ?? '')}`.trim() });
        });
      });
      req.end(data);
    });
  }
}
