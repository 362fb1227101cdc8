// Small JSON-over-HTTP helpers shared by the reference cluster's nodes.

import { Agent, request, type IncomingMessage, type ServerResponse } from 'node:http';

export const agent = new Agent({ keepAlive: true, maxSockets: 64 });

export interface JsonResponse {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** Errors of a call to another node, classified by what they prove about the request. */
export class CallError extends Error {
  constructor(
    message: string,
    /** true: the request certainly never reached the peer (connection refused). */
    readonly definite: boolean,
  ) {
    super(message);
  }
}

export function callJson(url: string, method: string, body: unknown, timeoutMs: number): Promise<JsonResponse> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    let connected = false;
    const req = request(url, {
      method,
      agent,
      headers: data ? { 'content-type': 'application/json', 'content-length': data.length } : {},
    });
    const timer = setTimeout(() => {
      req.destroy(new CallError(`timeout after ${timeoutMs} ms`, false));
    }, timeoutMs);
    req.on('socket', (s) => {
      if (!s.connecting) connected = true;
      else s.once('connect', () => (connected = true));
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (err instanceof CallError) return reject(err);
      const refused = err.code === 'ECONNREFUSED' || (!connected && err.code === 'EHOSTUNREACH');
      reject(new CallError(err.code ?? err.message, refused));
    });
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err) => {
        clearTimeout(timer);
        reject(new CallError(err.message, false));
      });
      res.on('end', () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} });
        } catch {
          reject(new CallError(`bad JSON from ${url}: ${text.slice(0, 80)}`, false));
        }
      });
    });
    req.end(data);
  });
}

export function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', reject);
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text === '') return resolve({});
      try {
        resolve(JSON.parse(text) as Record<string, unknown>);
      } catch {
        reject(new Error('request body is not JSON'));
      }
    });
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) });
  res.end(data);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
