// The canary's client for a key-value endpoint (the reference cluster's request
// router). It turns every answer into what a customer learns from it:
//   ok    the operation happened
//   fail  it definitely did not (a refused connection, a failed precondition, a 503
//         the router marks as not applied)
//   info  unknown: a timeout, a reset connection, an ambiguous 5xx
// A connection that was refused never carried the request, so even a write is `fail`.

import { Agent, request } from 'node:http';

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

  private call(method: string, path: string, body: unknown): Promise<Outcome> {
    return new Promise((resolve) => {
      const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      let settled = false;
      let sent = false;
      const done = (o: Outcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(o);
      };
      const req = request(this.baseUrl + path, {
        method,
        agent: this.agent,
        headers: data ? { 'content-type': 'application/json', 'content-length': data.length } : {},
      });
      const timer = setTimeout(() => {
        done({ type: 'info', error: `timeout after ${this.timeoutMs} ms` });
        req.destroy();
      }, this.timeoutMs);
      req.on('finish', () => (sent = true));
      req.on('error', (err: NodeJS.ErrnoException) => {
        // Refused: the request never left. Anything else after sending: unknown.
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
          const status = res.statusCode ?? 0;
          if (status === 200) return done({ type: 'ok', value: (b.value as string | null | undefined) ?? null });
          if (status === 409) return done({ type: 'fail', error: PRECONDITION_FAILED, current: (b.current as string | null | undefined) ?? null });
          const msg = `${status} ${String(b.error ?? '')}`.trim();
          if (status === 503 && b.indeterminate === false) return done({ type: 'fail', error: msg });
          done({ type: 'info', error: msg });
        });
      });
      req.end(data);
    });
  }
}
