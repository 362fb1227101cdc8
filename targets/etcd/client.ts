// The canaries' client for etcd: the v3 API through its JSON gateway (POST
// /v3/kv/range, /put, /txn, /deleterange; keys and values base64). Every answer is
// what a customer learns from it: ok; fail only when the request certainly had no
// effect (a refused connection, a compare that did not hold); info otherwise (a
// timeout, an error of the server: etcd may still apply a write it timed out on).

import { Agent } from 'node:http';
import { answered, jsonCall, type JsonAnswer as Answer } from '../../canaries/json-call.ts';
import { PRECONDITION_FAILED } from '../../harness/history/op.ts';
import type { CallOutcome, ClientOptions, KvApi } from '../target.ts';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string | undefined): string | null => (s === undefined ? null : Buffer.from(s, 'base64').toString('utf8'));

interface Kv {
  readonly key?: string;
  readonly value?: string;
  readonly mod_revision?: string;
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
    const compare =
      expected === null
        ? { target: 'CREATE', key: k, create_revision: '0', result: 'EQUAL' }
        : { target: 'VALUE', key: k, value: b64(expected), result: 'EQUAL' };
    const a = await this.call('/v3/kv/txn', {
      compare: [compare],
      success: [{ request_put: { key: k, value: b64(value) } }],
      failure: [{ request_range: { key: k } }],
    });
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
  private async call(path: string, body: unknown): Promise<Answer | CallOutcome> {
    const a = await jsonCall(this.agent, this.baseUrl + path, 'POST', body, this.o.timeoutMs);
    if (!answered(a) || a.status === 200) return a;
    // etcd's errors ("etcdserver: request timed out", "no leader", ...) do not say the request was not applied
    return { type: 'info', error: `${a.status} ${String(a.body['error'] ?? a.body['message'] ?? '')}`.trim() };
  }
}
