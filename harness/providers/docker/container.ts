// One container of a run (a node or an AZ gateway): created through testcontainers
// with a pinned address on the run's network, then driven through the Docker API
// (kill, start, pause, unpause) for power cuts, which testcontainers does not model.

import type Dockerode from 'dockerode';
import { waitProbe, type Probe } from '../ready.ts';
import { dockerode, testcontainers } from './runtime.ts';

export interface ContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly network: string;
  /** A fixed address on the network (the run's own network); left out on a network gameday did not make (docker picks one). */
  readonly ip?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly env: Readonly<Record<string, string>>;
  readonly args: readonly string[];
  /** host dir → container dir */
  readonly mounts: readonly { source: string; target: string; readOnly?: boolean }[];
}

export interface RunningContainer {
  readonly id: string;
  readonly handle: Dockerode.Container;
  /** Its address on the network it joined. */
  readonly ip: string;
}

export async function createAndStart(spec: ContainerSpec): Promise<RunningContainer> {
  const { GenericContainer } = await testcontainers();
  class PinnedContainer extends GenericContainer {
    /** Joins only the run's network (no default bridge: no path around a partition), at a fixed address. */
    withPinnedAddress(network: string, ip: string | undefined): this {
      this.createOpts.NetworkingConfig = { EndpointsConfig: { [network]: ip === undefined ? {} : { IPAMConfig: { IPv4Address: ip } } } };
      return this.withNetworkMode(network);
    }
  }
  let c = new PinnedContainer(spec.image)
    .withName(spec.name)
    .withLabels({ ...spec.labels })
    .withEnvironment({ ...spec.env })
    .withPinnedAddress(spec.network, spec.ip)
    .withBindMounts(spec.mounts.map((m) => ({ source: m.source, target: m.target, mode: m.readOnly ? ('ro' as const) : ('rw' as const) })))
    .withAutoRemove(false);
  if (spec.args.length > 0) c = c.withCommand([...spec.args]);
  if (typeof process.getuid === 'function' && typeof process.getgid === 'function') {
    c = c.withUser(`${process.getuid()}:${process.getgid()}`); // bind-mounted files stay the harness user's
  }
  const started = await c.start();
  const docker = await dockerode();
  const handle = docker.getContainer(started.getId());
  const ip = spec.ip ?? (await handle.inspect()).NetworkSettings.Networks[spec.network]?.IPAddress ?? '';
  return { id: started.getId(), handle, ip };
}

export interface ContainerState {
  readonly running: boolean;
  readonly paused: boolean;
  readonly pid: number;
  readonly exitCode: number;
}

export async function stateOf(handle: Dockerode.Container): Promise<ContainerState> {
  const s = (await handle.inspect()).State;
  return { running: s.Running, paused: s.Paused, pid: s.Pid, exitCode: s.ExitCode };
}

/** Waits until the probe says ready (harness/providers/ready.ts); fails fast when the container exits, with its logs. */
export function waitContainerReady(handle: Dockerode.Container, probe: Probe, timeoutMs: number, what: string): Promise<void> {
  const gone = async (): Promise<string | undefined> => {
    const s = await stateOf(handle);
    return s.running ? undefined : `exited with code ${s.exitCode}:\n${(await logsOf(handle)).slice(-2000)}\n`;
  };
  return waitProbe(probe, { timeoutMs, what, gone, goneEvery: 5, pollMs: 50 });
}

/** The container's stdout and stderr so far (all its starts), demultiplexed, in order. */
export async function logsOf(handle: Dockerode.Container): Promise<string> {
  const raw = (await handle.logs({ stdout: true, stderr: true, follow: false, timestamps: false })) as unknown as Buffer;
  const out: Buffer[] = [];
  for (let at = 0; at + 8 <= raw.length; ) {
    const size = raw.readUInt32BE(at + 4);
    out.push(raw.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return Buffer.concat(out).toString('utf8');
}
