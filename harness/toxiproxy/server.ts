// The embedded Toxiproxy-compatible server: the HTTP API plus the proxies it
// manages. `startToxiproxyServer()` returns a started server; closing it closes
// every proxy listener and connection. Use `await using` or call close().
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { formatHostPort } from './address.ts';
import { apiHandler } from './http-api.ts';
import { randomSeed } from '../schedule/rng.ts';
import { ProxyCollection } from './proxy-collection.ts';
import { openTcp, type TcpIo } from './tcp.ts';

export interface ToxiproxyServerOptions {
  /** Interface to bind; loopback unless told otherwise. */
  readonly host?: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Every random choice (toxicity, jitter, slice sizes) derives from it. Default: a random seed, reported back. */
  readonly seed?: number;
  /** How proxied connections do their I/O (tcp.ts); default native where it builds, or GAMEDAY_PROXY_IO. */
  readonly io?: TcpIo;
  /** Called with unexpected internal errors (the API still answers 500). */
  readonly onError?: (err: unknown) => void;
}

export interface StartedToxiproxyServer extends AsyncDisposable {
  /** Base URL for toxiproxy-node-client, e.g. "http://127.0.0.1:8474". */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly seed: number;
  /** How proxied connections do their I/O. */
  readonly io: TcpIo;
  /** Why io is not native, when native was not asked against. */
  readonly ioFallback: string | undefined;
  /** The proxies, for introspection by tests and the harness. */
  readonly proxies: ProxyCollection;
  close(): Promise<void>;
}

export async function startToxiproxyServer(options: ToxiproxyServerOptions = {}): Promise<StartedToxiproxyServer> {
  const host = options.host ?? '127.0.0.1';
  const seed = options.seed ?? randomSeed();
  const tcp = await openTcp(options.io);
  const proxies = new ProxyCollection(seed, tcp);
  const http: Server = createServer({ keepAlive: true }, apiHandler(proxies, options.onError));
  http.listen({ host, port: options.port ?? 0, exclusive: true });
  await Promise.race([once(http, 'listening'), once(http, 'error').then(([e]) => Promise.reject(e))]);
  const addr = http.address();
  if (!addr || typeof addr !== 'object') throw new Error(`toxiproxy API: no address after listening on ${host}`);
  const hostPort = formatHostPort(addr.address, addr.port);
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeAllConnections();
      await proxies.closeAll();
      await stopped;
    })();
    return closing;
  };
  return {
    url: `http://${hostPort}`,
    host: addr.address,
    port: addr.port,
    seed,
    io: tcp.io,
    ioFallback: tcp.fallback,
    proxies,
    close,
    [Symbol.asyncDispose]: close,
  };
}
