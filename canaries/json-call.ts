// One JSON-over-HTTP call as a canary sees it, before any target's own meaning is put
// on the answer: the status and the parsed body, or what the transport said. A
// refused connection, or one that failed before the request was sent, never carried
// the request: `fail`. A timeout or an error after sending: `info` (it may have been
// applied). Shared by the HTTP key-value client and the etcd client.

import { type Agent, request } from 'node:http';
import type { CallOutcome } from '../targets/target.ts';

export interface JsonAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export function jsonCall(agent: Agent, url: string, method: string, body: unknown, timeoutMs: number): Promise<JsonAnswer | CallOutcome> {
  return new Promise((resolve) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    let settled = false;
    let sent = false;
    const done = (x: JsonAnswer | CallOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(x);
    };
    const req = request(url, { method, agent, headers: data ? { 'content-type': 'application/json', 'content-length': data.length } : {} });
    const timer = setTimeout(() => {
      done({ type: 'info', error: `timeout after ${timeoutMs} ms` });
      req.destroy();
    }, timeoutMs);
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
        done({ status: res.statusCode ?? 0, body: b });
      });
    });
    req.end(data);
  });
}

/** Whether a jsonCall ended in an answer (not a transport outcome). */
export const answered = (x: JsonAnswer | CallOutcome): x is JsonAnswer => 'status' in x;
