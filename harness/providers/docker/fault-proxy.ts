// The run's fault proxy on Docker (runs with link faults only): one container on the
// run's network running the embedded Toxiproxy-compatible server (faultproxy-main.ts),
// labelled like every other container of the run, so `stop()` and `healDockerRun`
// remove it, and every proxy and toxic in it with it.
//
// The provider hands its API address and the nodes' addresses to `interpose` (the
// fault layer's ProxyNet), which creates one proxy per (party, destination) and says
// whom each party dials: nodes get their peers' proxy ports as peer URLs, the AZ
// gateways forward to the proxy ports of `canary:<az>`. Link faults and partitions
// of such a run are then toxics on exactly the chosen links (see the README: through
// a proxy, a receiver sees the proxy's source address, so address drops cannot tell
// the links apart).

import type { Topology } from '../../../targets/target.ts';
import type { LinkMap } from '../local.ts';
import type { Address } from '../provider.ts';
import { createAndStart, waitContainerReady, type RunningContainer } from './container.ts';
import { httpProbe } from '../ready.ts';
import type { JournalFaultProxy } from './journal.ts';
import { FAULT_PROXY_API_PORT, FAULT_PROXY_ID, faultProxyContainerName, LABEL_NODE, LABEL_ROLE, runLabels } from './names.ts';

export const FAULT_PROXY_ENTRY = 'harness/providers/docker/faultproxy-main.ts';

/** Where the run's own fault proxy answers, and the run network it sits on. */
export interface RunProxyApi {
  /** e.g. http://172.18.0.30:8474 */
  readonly url: string;
  /** the run network's subnet: the only addresses such an API may have */
  readonly subnet: string;
}

export interface FaultProxyOptions {
  /** Seed of the proxy's random choices (jitter, toxicity, slicing). */
  readonly seed?: number | undefined;
  /** Creates the links in the proxy at `api` towards `upstreams` (node → its address) and answers dial(from, to). */
  interpose(api: RunProxyApi, upstreams: ReadonlyMap<string, Address>, topology: Topology): Promise<LinkMap>;
}

export interface StartedFaultProxy extends JournalFaultProxy {
  readonly handle: RunningContainer['handle'];
}

export function faultProxyRecord(runId: string, ip: string): JournalFaultProxy {
  return { container: faultProxyContainerName(runId), ip, api: `http://${ip}:${FAULT_PROXY_API_PORT}` };
}

/** Starts the proxy container at `ip` and waits until its API answers. */
export async function startFaultProxy(
  runId: string,
  network: string,
  ip: string,
  image: string,
  opts: { seed?: number | undefined; readyTimeoutMs: number },
): Promise<StartedFaultProxy> {
  const rec = faultProxyRecord(runId, ip);
  const c = await createAndStart({
    name: rec.container,
    image,
    network,
    ip,
    labels: runLabels(runId, { [LABEL_NODE]: FAULT_PROXY_ID, [LABEL_ROLE]: 'fault-proxy' }),
    env: {
      GAMEDAY_FAULTPROXY_PORT: String(FAULT_PROXY_API_PORT),
      ...(opts.seed !== undefined ? { GAMEDAY_FAULTPROXY_SEED: String(opts.seed) } : {}),
    },
    args: [],
    mounts: [],
  });
  await waitContainerReady(c.handle, httpProbe(`${rec.api}/version`), opts.readyTimeoutMs, `fault proxy (${rec.container})`);
  return { ...rec, handle: c.handle };
}
