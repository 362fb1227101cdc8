// Network faults for a run: the fault actions (partition and link faults) and the
// local provider with its links interposed through the proxy layer (links.ts).
//
// The proxy layer is set up only when the plan has network faults or --toxiproxy
// is given: a run without them dials direct and pays nothing (the measured cost of
// the proxies is in the README's figures).
//
// Heals: at the fault's scheduled end, at the end of chaos and on Ctrl-C / SIGTERM
// (the runner's healAll), and at close() (every toxic and proxy goes away). After a
// crash of the harness the embedded proxies die with it, so `gameday heal` has
// nothing to undo for them; the journal's open entries are closed by healRun.
//
// Docker: partitions alone are packet drops in the containers' namespaces. A run with
// link faults gets the run's fault-proxy container (providers/docker/fault-proxy.ts)
// driven by the same ProxyNet, and then its partitions are toxics there too: through
// the proxy every receiver sees the proxy's address, so drops by source address could
// not tell one link from another. `gameday heal` removes that container after a crash.

import { UsageError } from '../cli/errors.ts';
import { NET_FAULT_KINDS } from '../experiment/net-fault.ts';
import { LocalProvider } from '../providers/local.ts';
import { ProcessesProvider } from '../providers/processes.ts';
import type { Provider } from '../providers/provider.ts';
import type { FaultProxyOptions } from '../providers/docker/fault-proxy.ts';
import type { Prepared } from '../runner/prepare.ts';
import type { ActionFactory, FaultAction } from './executor.ts';
import { checkToxiproxyUrl, ProxyNet } from './links.ts';
import { runProxyPrefix } from './toxiproxy-heal.ts';

export function netActions(net: ProxyNet): Record<string, ActionFactory> {
  const action: ActionFactory = (f) => {
    const plan = f.net;
    if (!plan) throw new Error(`fault ${f.id} (${f.kind}) has no sides planned`);
    return {
      inject: async () => {
        await net.apply(f.id, plan);
      },
      heal: () => net.heal(f.id),
    };
  };
  return Object.fromEntries(NET_FAULT_KINDS.map((k) => [k, action]));
}

export interface NetworkSetup {
  /** The provider to run on (absent: the runner's default). */
  readonly provider?: Provider;
  readonly actions: Readonly<Record<string, ActionFactory>>;
  readonly net?: ProxyNet;
  /** Removes every toxic and proxy (after the cluster is stopped). Idempotent. */
  close(): Promise<void>;
}

export function hasNetFaults(p: Prepared): boolean {
  return p.plan.faults.some((f) => f.net !== undefined);
}

/** Docker with link faults: the run's fault-proxy container, driven by ProxyNet; every network fault is a toxic there. */
function dockerProxySetup(p: Prepared): NetworkSetup {
  const net = new ProxyNet({ seed: p.seed, prefix: runProxyPrefix(p.runId) });
  const provider: Provider = {
    name: 'docker',
    start: async (target, topology, o) => {
      const dockerModule = '../providers/docker/index.ts'; // loaded only for docker runs (pulls in testcontainers)
      const m = (await import(dockerModule)) as { DockerProvider: new (o: { faultProxy: FaultProxyOptions; nodeImage?: string }) => Provider };
      const faultProxy: FaultProxyOptions = { seed: p.seed, interpose: (api, up, topo) => net.interposeRunProxy(api, up, topo) };
      return new m.DockerProvider({ faultProxy, ...(p.nodeImage !== undefined ? { nodeImage: p.nodeImage } : {}) }).start(target, topology, o);
    },
  };
  let closing: Promise<void> | undefined;
  return { provider, actions: netActions(net), net, close: () => (closing ??= net.close()) };
}

/** What execute() needs for the run's network faults; throws UsageError when they cannot be had. */
export function networkSetup(p: Prepared, opts: { toxiproxy?: string | undefined } = {}): NetworkSetup {
  const wanted = hasNetFaults(p) || opts.toxiproxy !== undefined;
  if (!wanted) return { actions: {}, close: async () => undefined };
  if (opts.toxiproxy !== undefined) {
    try {
      checkToxiproxyUrl(opts.toxiproxy);
    } catch (err) {
      throw new UsageError((err as Error).message, 'pass e.g. --toxiproxy http://127.0.0.1:8474 (start one with `gameday toxiproxy`)');
    }
  }
  if (p.experiment.provider === 'attach') {
    // the user's containers: partitions are drops in their namespaces; no proxy is put on their links
    const linkFault = p.plan.faults.find((f) => f.net !== undefined && f.kind !== 'partition');
    if (opts.toxiproxy !== undefined || linkFault !== undefined) {
      throw new UsageError(
        `provider attach cannot take ${opts.toxiproxy !== undefined ? '--toxiproxy' : `link faults (${linkFault?.kind})`}: the links of containers gameday did not start cannot be routed through its fault proxy`,
        'keep to power-off, pause and partition faults on attached containers',
        opts.toxiproxy !== undefined ? '--toxiproxy' : `${p.file}: faults`,
      );
    }
  }
  if ((p.experiment.provider === 'docker' || p.experiment.provider === 'attach') && opts.toxiproxy === undefined) {
    // Partitions alone are packet drops in the containers' namespaces; link faults
    // (latency, bandwidth, ...) put the run's fault-proxy container on every link.
    if (p.plan.faults.some((f) => f.net !== undefined && f.kind !== 'partition')) return dockerProxySetup(p);
    const lazy: ActionFactory = (f, cluster) => {
      const load = async (): Promise<FaultAction> => {
        const dockerNet = '../providers/docker/net-actions.ts'; // loaded only for docker runs
        const m = (await import(dockerNet)) as { dockerPartitionAction: ActionFactory };
        return m.dockerPartitionAction(f, cluster);
      };
      const action = load();
      void action.catch(() => undefined); // reported by inject
      return { inject: async () => (await action).inject(), heal: async () => (await action).heal() };
    };
    return { actions: { partition: lazy }, close: async () => undefined };
  }
  if (p.experiment.provider === 'docker') {
    throw new UsageError(
      `--toxiproxy ${opts.toxiproxy ?? ''} is on the host's loopback, which the containers of a docker run cannot reach`,
      'drop --toxiproxy: on docker, runs with link faults start their own fault proxy in a container of the run',
    );
  }
  if (p.experiment.provider === 'processes' && p.experiment.processes) {
    // the fault proxy in front of the endpoints the user named: the canaries' links go through it
    const net = new ProxyNet({ toxiproxyUrl: opts.toxiproxy, seed: p.seed, prefix: runProxyPrefix(p.runId) });
    let closing: Promise<void> | undefined;
    return { provider: new ProcessesProvider(p.experiment.processes, net.hook), actions: netActions(net), net, close: () => (closing ??= net.close()) };
  }
  if (p.experiment.provider !== 'local') {
    throw new UsageError(
      `network faults (partition, latency, ...) run on the local provider; provider ${p.experiment.provider} does not interpose the proxy layer yet`,
      'use provider: local (or --provider local) for this experiment',
    );
  }
  const net = new ProxyNet({ toxiproxyUrl: opts.toxiproxy, seed: p.seed, prefix: runProxyPrefix(p.runId) });
  let closing: Promise<void> | undefined;
  return { provider: new LocalProvider(net.hook), actions: netActions(net), net, close: () => (closing ??= net.close()) };
}
