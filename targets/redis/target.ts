// Redis behind Sentinel as a built-in target: one primary and two replicas (Debian's
// redis-server, 7.0) and three Sentinels (redis-sentinel), one data node and one
// Sentinel per AZ, each a local process on its AZ's loopback address. The Sentinels
// are the public endpoints: a canary asks the Sentinel it stands for (then the others)
// where the primary is, as an ioredis client of a real service does, and writes there.
// Sentinel is set to act within seconds (down after 1 s), so a game day sees a whole
// failover.
//
// What it promises: Redis does not promise that an acknowledged write survives. Its
// replication is asynchronous, and when Sentinel promotes a replica, whatever the old
// primary acknowledged that the replica had not received is gone, and so is everything
// the old primary goes on acknowledging until it is told to follow the new one (it
// then resyncs and drops it). The target declares the weakest promise the contract
// knows, no-lost-writes, so that the lost-writes check judges what a customer takes
// for granted (and linearizability, which Redis with Sentinel does not offer either,
// is not checked); experiments/redis-failover.yaml shows that promise broken, and
// experiments/redis-failover-pinned.yaml pins it as the known weakness it is.
//
// Roles: `data` (redis-az1 starts as the primary, redis-az2 and redis-az3 as its
// replicas) and `sentinel`. Roles are fixed at plan time: after a failover, node
// redis-az1 is no longer the primary, so a fault meant for "the primary" names
// node:redis-az1 and comes once per game day.
//
// Link faults, and partitions of local processes, are refused: every node learns the
// others' addresses from what each announces (replica-announce-ip, Sentinel's hello
// messages, the primary's INFO), the same address for every party, so the links
// cannot each go through a proxy of their own. On the docker provider each node is in
// its own container (images of the host's redis-server and redis-sentinel) and a cut
// is drops in its network namespace, so partitions work there; the canaries then
// reach the primary Sentinel names through their own AZ's gateway (ioredis's natMap
// maps each announced address to it), so a cut AZ's canaries keep writing to an old
// primary on their side, as a real client in that AZ would.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Address, ClientOptions, LaunchContext, LaunchSpec, NodeInfo, ReplicaDigest, ReplicaValue, Target, Topology } from '../target.ts';
import { addressOfUrl, RedisSentinelClient } from './client.ts';
import { DEFAULT_TIMING, MASTER_NAME, dataNodeConf, sentinelConf, type SentinelTiming } from './config.ts';

export const REDIS_BINARIES = ['redis-server', 'redis-sentinel', 'redis-cli'] as const;
const AZS = ['az1', 'az2', 'az3'] as const;
/** The data node that starts as the primary. */
export const INITIAL_PRIMARY = 'redis-az1';
const dataId = (az: string): string => `redis-${az}`;
const sentinelNodeId = (az: string): string => `sentinel-${az}`;

/** Whether redis-server, redis-sentinel and redis-cli (6.0 or newer) run here; the reason when not. */
export function redisMissing(): string | undefined {
  for (const bin of REDIS_BINARIES) {
    let out: string;
    try {
      out = execFileSync(bin, ['--version'], { stdio: 'pipe', timeout: 5000, encoding: 'utf8' });
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ENOENT' ? `no ${bin} on PATH` : `${bin} --version failed: ${(err as Error).message.split('\n')[0]}`;
    }
    const major = Number(/(?:v=|redis-cli )(\d+)\./.exec(out)?.[1] ?? 0);
    if (major < 6) return `${bin} is too old (${out.trim()}); the target needs Redis 6 or newer`;
  }
  return undefined;
}

export class RedisTarget implements Target {
  readonly name = 'redis';
  readonly promises = 'no-lost-writes' as const;
  readonly replicationFactor = AZS.length;
  readonly noLinkFaults =
    "Redis nodes and Sentinels learn each other's addresses from what each announces (the same address for every party), so their links cannot each go through a proxy of their own";
  /** Where the Sentinels listen, learnt as the nodes are launched: what a client asks after its own. */
  private readonly sentinelAddresses = new Map<string, Address>();
  /** What each node announces (as Sentinel names it to clients), learnt as the nodes are launched. */
  private readonly announced = new Map<string, Address>();

  constructor(readonly timing: SentinelTiming = DEFAULT_TIMING) {}

  topology(): Topology {
    const nodes: NodeInfo[] = AZS.flatMap((az) => [
      { id: dataId(az), az, role: 'data', public: false },
      { id: sentinelNodeId(az), az, role: 'sentinel', public: true },
    ]);
    return { region: 'local-1', azs: [...AZS], nodes };
  }

  launch(node: NodeInfo, ctx: LaunchContext): LaunchSpec {
    // others dial a node at the address it announces (its container's on docker), never at 0.0.0.0
    const self: Address = { host: ctx.advertiseHost, port: ctx.listen.port };
    const at = (id: string): Address => (id === node.id ? self : ctx.peerAddress(id));
    for (const az of AZS) this.sentinelAddresses.set(sentinelNodeId(az), at(sentinelNodeId(az)));
    this.announced.set(node.id, self);
    // the readiness command runs on the host: it addresses the node as others do
    const cli = ['redis-cli', '-e', '-h', self.host, '-p', String(self.port)];
    if (node.role === 'sentinel') {
      const conf = join(ctx.dataDir, 'sentinel.conf');
      if (!existsSync(join(ctx.hostDataDir, 'sentinel.conf'))) {
        const replicas = AZS.map(dataId)
          .filter((id) => id !== INITIAL_PRIMARY)
          .map(at);
        const sentinels = AZS.map((az) => ({ nodeId: sentinelNodeId(az), address: at(sentinelNodeId(az)) }));
        const quorum = Math.floor(AZS.length / 2) + 1;
        writeFileSync(
          join(ctx.hostDataDir, 'sentinel.conf'),
          sentinelConf({
            nodeId: node.id,
            listen: ctx.listen,
            announce: self,
            dataDir: ctx.dataDir,
            primary: at(INITIAL_PRIMARY),
            replicas,
            sentinels,
            quorum,
            timing: this.timing,
          }),
        );
      }
      // ready once it sees enough Sentinels to reach a quorum and authorise a failover
      return { command: ['redis-sentinel'], args: [conf], env: {}, readyPath: '', ready: { command: [...cli, 'sentinel', 'ckquorum', MASTER_NAME] } };
    }
    const conf = join(ctx.dataDir, 'redis.conf');
    if (!existsSync(join(ctx.hostDataDir, 'redis.conf'))) {
      writeFileSync(
        join(ctx.hostDataDir, 'redis.conf'),
        dataNodeConf({ listen: ctx.listen, announce: self, dataDir: ctx.dataDir, ...(node.id === INITIAL_PRIMARY ? {} : { replicaOf: at(INITIAL_PRIMARY) }) }),
      );
    }
    // PING answers PONG once the data set is loaded (LOADING before)
    return { command: ['redis-server'], args: [conf], env: {}, readyPath: '', ready: { command: [...cli, 'ping'] } };
  }

  client(url: string, o: ClientOptions): RedisSentinelClient {
    const own = addressOfUrl(url);
    const route = o.urlOf;
    if (!route) {
      const others = [...this.sentinelAddresses.values()].filter((a) => a.host !== own.host || a.port !== own.port);
      return new RedisSentinelClient([own, ...others], o);
    }
    // everything this canary dials goes from its own AZ: the other Sentinels, and whichever data node Sentinel names
    const others = [...this.sentinelAddresses.keys()].map((id) => addressOfUrl(route(id))).filter((a) => a.host !== own.host || a.port !== own.port);
    const natMap = Object.fromEntries(
      AZS.map(dataId).flatMap((id) => {
        const a = this.announced.get(id);
        return a ? [[`${a.host}:${a.port}`, addressOfUrl(route(id))]] : [];
      }),
    );
    return new RedisSentinelClient([own, ...others], o, natMap);
  }

  /** Each data node's whole keyspace (SCAN + MGET on the node itself), hashed. */
  async digests(urlOf: (nodeId: string) => string): Promise<ReplicaDigest[]> {
    const out = await Promise.all(
      AZS.map(dataId).map((id) =>
        onNode(addressOfUrl(urlOf(id)), async (r): Promise<ReplicaDigest> => {
          const keys: string[] = [];
          let cursor = '0';
          do {
            const [next, batch] = await r.scan(cursor, 'COUNT', 1000);
            cursor = next;
            keys.push(...batch);
          } while (cursor !== '0');
          keys.sort();
          const h = createHash('sha256');
          for (let i = 0; i < keys.length; i += 500) {
            const part = keys.slice(i, i + 500);
            const values = await r.mget(...part);
            for (const [j, k] of part.entries()) h.update(`${k}\t${values[j] ?? ''}\n`);
          }
          // no applied sequence holds still on Redis (Sentinel's hello messages move the replication offset every 2 s): the keyspace is what is compared
          return { group: 'keyspace', nodeId: id, appliedSeq: 0, checksum: h.digest('hex').slice(0, 16), keys: keys.length };
        }),
      ),
    );
    return out.filter((d): d is ReplicaDigest => d !== undefined);
  }

  async replicaValues(key: string, urlOf: (nodeId: string) => string): Promise<ReplicaValue[]> {
    const out = await Promise.all(AZS.map(dataId).map((id) => onNode(addressOfUrl(urlOf(id)), async (r) => ({ nodeId: id, value: await r.get(key) }))));
    return out.filter((v): v is ReplicaValue => v !== undefined);
  }
}

/** One short-lived direct connection to a data node (replicas answer reads too); undefined when it does not answer. */
async function onNode<T>(a: Address, fn: (r: Redis) => Promise<T>): Promise<T | undefined> {
  const r = new Redis({
    host: a.host,
    port: a.port,
    lazyConnect: true,
    connectTimeout: 2000,
    commandTimeout: 3000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    protocol: 2,
  });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return await fn(r);
  } catch {
    return undefined; // a node that does not answer is reported missing by the check
  } finally {
    r.disconnect(false);
  }
}
