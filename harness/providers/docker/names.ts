// Names and labels of everything the docker provider creates for a run. The label
// `gameday.run=<runId>` is the only thing cleanup ever selects by: nothing without it
// is touched.

import { createHash } from 'node:crypto';

export const LABEL_RUN = 'gameday.run';
export const LABEL_NODE = 'gameday.node';
export const LABEL_AZ = 'gameday.az';
export const LABEL_ROLE = 'gameday.role';

/** Port every node listens on inside its container (each container has its own address). */
export const NODE_PORT = 8080;
/** Gateway ports: health, and one forwarding port per node (GATEWAY_BASE_PORT + node index). */
export const GATEWAY_HEALTH_PORT = 8079;
export const GATEWAY_BASE_PORT = 9000;
/** API port of the run's fault-proxy container (the Toxiproxy default). */
export const FAULT_PROXY_API_PORT = 8474;

const safe = (s: string): string => s.replace(/[^a-zA-Z0-9_.-]+/g, '-');

export const networkName = (runId: string): string => `gameday-${safe(runId)}`;
export const containerName = (runId: string, nodeId: string): string => `gameday-${safe(runId)}-${safe(nodeId)}`;

/** Party id of AZ `az`'s canary gateway in partition calls (node ids name themselves). */
export const gatewayId = (az: string): string => `gw:${az}`;
export const isGatewayId = (party: string): boolean => party.startsWith('gw:');
export const gatewayContainerName = (runId: string, az: string): string => containerName(runId, `gw-${az}`);
/** The run's fault proxy (only for runs with link faults); not a party of partitions. */
export const FAULT_PROXY_ID = 'faultproxy';
export const faultProxyContainerName = (runId: string): string => containerName(runId, FAULT_PROXY_ID);

/** The run's own iptables chain inside each container's namespace (iptables allows 28 characters). */
export const chainName = (runId: string): string => `GAMEDAY-${createHash('sha256').update(runId).digest('hex').slice(0, 10).toUpperCase()}`;

export const runLabels = (runId: string, extra: Readonly<Record<string, string>> = {}): Record<string, string> => ({
  [LABEL_RUN]: runId,
  ...extra,
});
