// The per-AZ gateway: a TCP forwarder that runs in its own container on an AZ's side
// of the network. Canaries of that AZ reach every node through it (one listening port
// per node), so their traffic starts inside the AZ: cutting the AZ off cuts the
// gateway's namespace off too, and with it the AZ's canaries.
//
// Configured through env GAMEDAY_GATEWAY_CONFIG = {"health": port, "routes": [{"port", "host", "targetPort"}]}.
// Bundled into its own image like any node program; target-agnostic (bytes in, bytes out).

import { createServer as createHttp } from 'node:http';
import { connect, createServer, type Socket } from 'node:net';

export interface GatewayRoute {
  readonly port: number;
  readonly host: string;
  readonly targetPort: number;
}

export interface GatewayConfig {
  readonly health: number;
  readonly routes: readonly GatewayRoute[];
}

function pipe(client: Socket, route: GatewayRoute): void {
  const upstream = connect({ host: route.host, port: route.targetPort });
  const close = (): void => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close).on('close', close);
  upstream.on('error', close).on('close', close);
  client.pipe(upstream);
  upstream.pipe(client);
}

function main(): void {
  const raw = process.env['GAMEDAY_GATEWAY_CONFIG'];
  if (!raw) throw new Error('gateway: GAMEDAY_GATEWAY_CONFIG is not set');
  const config = JSON.parse(raw) as GatewayConfig;
  for (const route of config.routes) {
    createServer({ noDelay: true }, (s) => pipe(s, route)).listen(route.port, '0.0.0.0');
  }
  createHttp((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n')).listen(config.health, '0.0.0.0', () => {
    process.stdout.write(`gateway ready: ${config.routes.length} routes\n`);
  });
}

main();
