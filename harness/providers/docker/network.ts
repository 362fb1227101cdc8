// The run's network: one user-defined bridge for the whole region, AZs as labels.
//
// Why one network and not one per AZ: every cut (node, AZ, one-way, bridge) is then a
// DROP rule inside the containers' own network namespaces, which die with the
// containers; nothing is written into the host's firewall (per-AZ networks are
// isolated from each other by default and would need DOCKER-USER rules on the host
// just to let AZs talk). A crash therefore leaves only labelled containers behind.
//
// Addresses are pinned (static IPs) so that a node keeps its address across a power
// cycle and rules naming it stay right: Docker picks a free subnet, which is then
// pinned by re-creating the network with that subnet (Docker only honours --ip on
// networks whose subnet was given).

import type Dockerode from 'dockerode';
import { networkName, runLabels } from './names.ts';

export interface RunNetwork {
  readonly name: string;
  readonly id: string;
  readonly subnet: string;
  /** Host address on the bridge: what containers see as the harness. */
  readonly gateway: string;
}

const toInt = (ip: string): number => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const toIp = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

/** The `n`th host address of `subnet` (a.b.c.d/len). */
export function hostAddress(subnet: string, n: number): string {
  const [base = '', len = '24'] = subnet.split('/');
  const size = 2 ** (32 - Number(len));
  if (n <= 0 || n >= size - 1) throw new RangeError(`address #${n} does not fit in ${subnet}`);
  return toIp(toInt(base) + n);
}

export async function createRunNetwork(docker: Dockerode, runId: string): Promise<RunNetwork> {
  const name = networkName(runId);
  const labels = runLabels(runId);
  let lastErr: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const probe = await docker.createNetwork({ Name: name, Driver: 'bridge', CheckDuplicate: true, Labels: labels });
    const info = (await probe.inspect()) as { IPAM?: { Config?: { Subnet?: string }[] } };
    await probe.remove();
    const subnet = info.IPAM?.Config?.find((c) => c.Subnet?.includes('.'))?.Subnet;
    if (!subnet) throw new Error(`docker network ${name}: no IPv4 subnet assigned`);
    const gateway = hostAddress(subnet, 1);
    try {
      const net = await docker.createNetwork({
        Name: name,
        Driver: 'bridge',
        CheckDuplicate: true,
        Labels: labels,
        IPAM: { Driver: 'default', Config: [{ Subnet: subnet, Gateway: gateway }] },
      });
      return { name, id: net.id, subnet, gateway };
    } catch (err) {
      lastErr = err; // another network took the subnet in between: pick again
    }
  }
  throw new Error(`cannot create docker network ${name}: ${(lastErr as Error)?.message}`);
}
