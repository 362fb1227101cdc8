// The canary's client for a key-value endpoint (the reference cluster's request
// router). It turns every answer into what a customer learns from it:
//   ok    the operation happened
//   fail  it definitely did not (a refused connection, a failed precondition, a 503
//         the router marks as not applied)
//   info  unknown: a timeout, a reset connection, an ambiguous 5xx
// A connection that was refused never carried the request, so even a write is `fail`.

import { Agent } from 'node:http';
import { answered, jsonCall } from './json-call.ts';

export type Outcome =
  | { readonly type: 'ok'; readonly value?: string | null }
  | { readonly type: 'fail' | 'info'; readonly error: string; readonly current?: string | null };

import { PRECONDITION_FAILED } from '../harness/history/op.ts';

export { PRECONDITION_FAILED };

export class KvClient {
  private readonly agent: Agent;

  constructor(
    readonly baseUrl: string,
    readonly timeoutMs: number,
    /** Calls this client may have open at once (one socket each, so none waits for another). */
    maxSockets = 8,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  get(key: string, consistency: 'strong' | 'eventual'): Promise<Outcome> {
    return this.call('GET', `/kv/${encodeURIComponent(key)}?consistency=${consistency}`, undefined);
  }

  put(key: string, value: string): Promise<Outcome> {
    return this.call('PUT', `/kv/${encodeURIComponent(key)}`, { value });
  }

  cas(key: string, expected: string | null, value: string): Promise<Outcome> {
    return this.call('POST', `/kv/${encodeURIComponent(key)}/cas`, { expected, value });
  }

  delete(key: string): Promise<Outcome> {
    return this.call('DELETE', `/kv/${encodeURIComponent(key)}`, undefined);
  }

  close(): void {
    this.agent.destroy();
  }

  private async call(method: string, path: string, body: unknown): Promise<Outcome> {
    const a = await jsonCall(this.agent, this.baseUrl + path, method, body, this.timeoutMs);
    if (!answered(a)) return a;
    const b = a.body;
    if (a.status === 200) return { type: 'ok', value: (b['value'] as string | null | undefined) ?? null };
    if (a.status === 409) return { type: 'fail', error: PRECONDITION_FAILED, current: (b['current'] as string | null | undefined) ?? null };
    const msg = `${a.status} ${String(b['error'] ?? '')}`.trim();
    if (a.status === 503 && b['indeterminate'] === false) return { type: 'fail', error: msg };
    return { type: 'info', error: msg };
  }
}
