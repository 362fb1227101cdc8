// `gameday run --metrics 127.0.0.1:9464`: serves a run's metrics over HTTP for
// Prometheus to scrape (GET /metrics). Loopback only: a game day's traffic figures are
// not for the network. The address is bound before anything of the run starts (the
// bind is the probe), so a taken port ends the command with exit 2 and nothing to undo.

import { createServer, type Server } from 'node:http';
import { isIP } from 'node:net';
import type { RunMetrics } from './run-metrics.ts';

export interface MetricsAddress {
  readonly host: string;
  readonly port: number;
}

/** A problem with the address as typed, and what to write instead. */
export interface AddressProblem {
  readonly problem: string;
  readonly fix: string;
}

const EXAMPLE = 'e.g. --metrics 127.0.0.1:9464 (any 127.x.y.z or [::1], a port from 1 to 65535)';

function isLoopback(host: string): boolean {
  if (isIP(host) === 4) return host.split('.')[0] === '127';
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return host === 'localhost';
}

/** host:port (IPv6 in brackets) on loopback, or what is wrong with it. */
export function parseMetricsAddress(text: string): MetricsAddress | AddressProblem {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  if (!m) return { problem: `"${text}" is not host:port`, fix: `write the address to listen on, ${EXAMPLE}` };
  const host = (m[1] ?? m[2]) as string;
  const port = Number(m[3]);
  if (!(port >= 1 && port <= 65535)) return { problem: `port ${m[3]} is outside 1-65535`, fix: EXAMPLE };
  if (!isLoopback(host))
    return {
      problem: `${host} is not a loopback address: the metrics are served on loopback only`,
      fix: `listen on loopback, ${EXAMPLE}; let Prometheus scrape it there (or put a proxy of your own in front)`,
    };
  return { host: host === 'localhost' ? '127.0.0.1' : host, port };
}

export class MetricsServer {
  private constructor(
    private readonly server: Server,
    readonly address: MetricsAddress,
  ) {}

  /** Binds now; rejects with the listen error (e.g. EADDRINUSE) when the address cannot be had. */
  static listen(addr: MetricsAddress, metrics: RunMetrics): Promise<MetricsServer> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      if (path !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('gameday serves its metrics at /metrics\n');
        return;
      }
      metrics.text().then(
        (body) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(req.method === 'HEAD' ? undefined : body),
        (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err.message}\n`),
      );
    });
    server.keepAliveTimeout = 5000;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(addr.port, addr.host, () => {
        server.off('error', reject);
        const a = server.address();
        resolve(new MetricsServer(server, { host: addr.host, port: typeof a === 'object' && a ? a.port : addr.port }));
      });
    });
  }

  get url(): string {
    const h = this.address.host.includes(':') ? `[${this.address.host}]` : this.address.host;
    return `http://${h}:${this.address.port}/metrics`;
  }

  /** Stops listening and drops idle scrape connections; resolves once closed. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
  }
}
