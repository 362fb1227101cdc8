// The run's fault proxy on Docker: the embedded Toxiproxy-compatible server
// (harness/toxiproxy) in a container of its own on the run's network, its API on
// 0.0.0.0:<port>. The harness drives it with toxiproxy-node-client over the
// container's address; every node → node and canary → node link of the run crosses
// one of its proxies. Removing the container removes every proxy and toxic in it.
//
// Configured through env: GAMEDAY_FAULTPROXY_PORT (API port, default 8474) and
// GAMEDAY_FAULTPROXY_SEED (seed of jitter, toxicity and slicing; default random).
// Bundled into its own image like the gateway (image.ts: programImage).

import { startToxiproxyServer } from '../../toxiproxy/server.ts';

const port = Number(process.env['GAMEDAY_FAULTPROXY_PORT'] ?? 8474);
const rawSeed = process.env['GAMEDAY_FAULTPROXY_SEED'];
const seed = rawSeed === undefined || rawSeed === '' ? undefined : Number(rawSeed);
if (!Number.isInteger(port) || port <= 0 || (seed !== undefined && !Number.isSafeInteger(seed))) {
  process.stderr.write(`fault proxy: bad GAMEDAY_FAULTPROXY_PORT (${port}) or GAMEDAY_FAULTPROXY_SEED (${rawSeed})\n`);
  process.exit(2);
}

const server = await startToxiproxyServer({
  host: '0.0.0.0',
  port,
  ...(seed !== undefined ? { seed } : {}),
  onError: (err) => process.stderr.write(`fault proxy: internal error: ${(err as Error).stack ?? String(err)}\n`),
});
process.stdout.write(
  `fault proxy ready: API on ${server.url}, seed ${server.seed}, io ${server.io}${server.ioFallback ? ` (not native: ${server.ioFallback})` : ''}\n`,
);
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.once(sig, () => void server.close().finally(() => process.exit(0)));
}
