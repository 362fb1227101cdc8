// The reference cluster's node program: a router or a storage node, configured by
// the JSON in GAMEDAY_NODE_CONFIG. Started by a gameday provider; dies with SIGKILL.

import { parseNodeConfig } from './config.ts';
import { startRouter } from './router.ts';
import { startStorageNode } from './storage-node.ts';

const cfg = parseNodeConfig(process.env.GAMEDAY_NODE_CONFIG);
const server = cfg.role === 'router' ? await startRouter(cfg) : await startStorageNode(cfg);
process.stdout.write(`${cfg.role} ${cfg.id} listening on ${cfg.listen.host}:${cfg.listen.port} (build v${cfg.walFormat ?? 1})\n`);
const stop = (): void => {
  server.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// If the harness that started us dies, do not outlive it.
process.on('disconnect', stop);
