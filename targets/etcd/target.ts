// etcd as a built-in target: a 3-member cluster (Debian's etcd-server, 3.4), one
// member per AZ, each a local process with a client port (the public endpoint, the v3
// JSON gateway) and a peer port. It promises a linearizable key-value store: strong
// reads are etcd's linearizable range reads, eventual ones its serializable reads.
// The scrub digests each member's whole keyspace through a serializable read (the
// gateway has no HashKV), with the revision it was read at.
//
// Every member must be given the same --initial-cluster peer URLs (the cluster's
// identity is derived from them), so member-to-member links cannot each go through a
// proxy of their own: link faults (latency, ...) are refused, and partitions run on
// the docker provider only, where they are packet drops in each member's own network
// namespace and every member dials the others' real addresses.

import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import type { LaunchContext, LaunchSpec, NodeInfo, ReplicaDigest, ReplicaValue, Target, Topology } from '../target.ts';
import { EtcdClient } from './client.ts';

export const ETCD_BINARY = 'etcd';

export interface EtcdOptions {
  readonly members: number;
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** Whether an etcd binary runs here; the reason when not. */
export function etcdMissing(): string | undefined {
  try {
    execFileSync(ETCD_BINARY, ['--version'], { stdio: 'pipe', timeout: 5000 });
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no etcd on PATH' : `etcd --version failed: ${(err as Error).message.split('\n')[0]}`;
  }
}

export class EtcdTarget implements Target {
  readonly name = 'etcd';
  readonly promises = 'linearizable-kv' as const;
  readonly replicationFactor: number;
  /** Why member-to-member links cannot go through the fault proxy (see the header). */
  readonly noLinkFaults = 'every etcd member must be given the same --initial-cluster peer URLs, so its links cannot each go through a proxy of their own';

  constructor(readonly options: EtcdOptions = { members: 3 }) {
    this.replicationFactor = options.members;
  }

  topology(): Topology {
    const azs = Array.from({ length: this.options.members }, (_, i) => `az${i + 1}`);
    return { region: 'local-1', azs, nodes: azs.map((az, i) => ({ id: `etcd-${i + 1}`, az, role: 'member', public: true, ports: ['peer'] })) };
  }

  launch(node: NodeInfo, ctx: LaunchContext): LaunchSpec {
    const url = (a: { host: string; port: number }): string => `http://${a.host}:${a.port}`;
    const peer = ctx.ports['peer'];
    if (!peer) throw new Error(`etcd member ${node.id} has no peer port`);
    // what the member listens on may be 0.0.0.0 (docker); what it advertises is the address others dial
    const advertised = (a: { port: number }): string => url({ host: ctx.advertiseHost, port: a.port });
    const cluster = this.topology()
      .nodes.map((n) => `${n.id}=${n.id === node.id ? advertised(peer) : url(ctx.peerAddress(n.id, 'peer'))}`)
      .join(',');
    return {
      command: [ETCD_BINARY],
      args: [
        '--name',
        node.id,
        '--data-dir',
        `${ctx.dataDir}/etcd`,
        '--listen-client-urls',
        url(ctx.listen),
        '--advertise-client-urls',
        advertised(ctx.listen),
        '--listen-peer-urls',
        url(peer),
        '--initial-advertise-peer-urls',
        advertised(peer),
        '--initial-cluster',
        cluster,
        '--initial-cluster-state',
        'new',
        '--initial-cluster-token',
        'gameday',
        // 3.4 leaves pre-vote off, and an isolated member then disrupts the cluster when it comes back
        '--pre-vote=true',
        '--heartbeat-interval',
        '100',
        '--election-timeout',
        '1000',
        '--logger',
        'zap',
      ],
      env: {},
      readyPath: '/health',
    };
  }

  client(url: string, o: { timeoutMs: number; maxInFlight: number }): EtcdClient {
    return new EtcdClient(url, o);
  }

  /** Each member's whole keyspace, read serializably (its own state), hashed with the revision it was read at. */
  async digests(urlOf: (nodeId: string) => string, nodes: readonly NodeInfo[] = this.topology().nodes): Promise<ReplicaDigest[]> {
    const out: ReplicaDigest[] = [];
    await Promise.all(
      nodes.map(async (n) => {
        try {
          const res = await fetch(`${urlOf(n.id)}/v3/kv/range`, {
            method: 'POST',
            body: JSON.stringify({ key: b64('\0'), range_end: b64('\0'), serializable: true }),
            signal: AbortSignal.timeout(3000),
          });
          const b = (await res.json()) as { header?: { revision?: string }; kvs?: { key: string; value: string; mod_revision: string }[] };
          if (!res.ok) return;
          const h = createHash('sha256');
          for (const kv of b.kvs ?? []) h.update(`${kv.key}\t${kv.value}\t${kv.mod_revision}\n`);
          out.push({
            group: 'keyspace',
            nodeId: n.id,
            appliedSeq: Number(b.header?.revision ?? 0),
            checksum: h.digest('hex').slice(0, 16),
            keys: (b.kvs ?? []).length,
          });
        } catch {
          /* a member that does not answer is reported missing by the check */
        }
      }),
    );
    return out;
  }

  async replicaValues(key: string, urlOf: (nodeId: string) => string, nodes: readonly NodeInfo[] = this.topology().nodes): Promise<ReplicaValue[]> {
    const out = await Promise.all(
      nodes.map(async (n): Promise<ReplicaValue | undefined> => {
        try {
          const res = await fetch(`${urlOf(n.id)}/v3/kv/range`, {
            method: 'POST',
            body: JSON.stringify({ key: b64(key), serializable: true }),
            signal: AbortSignal.timeout(2000),
          });
          const b = (await res.json()) as { header?: { revision?: string }; kvs?: { value: string }[] };
          const v = b.kvs?.[0]?.value;
          return res.ok
            ? { nodeId: n.id, value: v === undefined ? null : Buffer.from(v, 'base64').toString('utf8'), appliedSeq: Number(b.header?.revision ?? 0) }
            : undefined;
        } catch {
          return undefined;
        }
      }),
    );
    return out.filter((x): x is ReplicaValue => x !== undefined);
  }
}
