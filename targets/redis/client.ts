// The canaries' client for Redis behind Sentinel: ioredis with Sentinel discovery, as
// a customer's service would connect. It asks the Sentinel it was given first (the
// endpoint it stands for), then the others, for the primary of MASTER_NAME, and sends
// every command to that primary on one connection.
//
// Settings chosen so that each outcome can be told honestly (targets/redis/outcome.ts):
// - no offline queue: a command is only ever written to a ready connection, so one that
//   is refused for want of a connection was certainly never sent (fail);
// - no resending of unanswered commands after a reconnect, and maxRetriesPerRequest 0:
//   a command in flight when its connection goes is given up at once (info), never sent
//   again behind the canary's back;
// - a READONLY answer (the primary was demoted under us) makes ioredis reconnect
//   through the Sentinels, as the ioredis documentation recommends, so the canary finds
//   the new primary. Nothing else makes it leave a primary: a paused one keeps the
//   connection, queues the commands and answers them when it wakes up.
// Reads go to the primary (strong and eventual alike: Redis has no linearizable read).
// Compare-and-set is one Lua script, atomic on the server.

import { Redis } from 'ioredis';
import { PRECONDITION_FAILED } from '../../harness/history/op.ts';
import type { Address, CallOutcome, ClientOptions, KvApi } from '../target.ts';
import { MASTER_NAME } from './config.ts';
import { errorOutcome, NOT_SENT, TIMEOUT } from './outcome.ts';

/** Sets KEYS[1] to ARGV[3] if it holds ARGV[2] (ARGV[1] = '1') or is absent (ARGV[1] = '0'); replies {1} or {0, current}. */
export const CAS_SCRIPT = `local cur = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if cur ~= ARGV[2] then return {0, cur} end
elseif cur then
  return {0, cur}
end
redis.call('SET', KEYS[1], ARGV[3])
return {1}`;

export const addressOfUrl = (url: string): Address => {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port) };
};

export class RedisSentinelClient implements KvApi {
  private readonly redis: Redis;

  constructor(
    /** The Sentinels to ask for the primary, the endpoint's own first. */
    sentinels: readonly Address[],
    private readonly o: ClientOptions,
    /** Announced address (host:port) → where this canary dials it (its AZ's way there). */
    natMap?: Readonly<Record<string, Address>>,
  ) {
    this.redis = new Redis({
      ...(natMap && Object.keys(natMap).length > 0 ? { natMap: { ...natMap } } : {}),
      sentinels: sentinels.map((s) => ({ host: s.host, port: s.port })),
      name: MASTER_NAME,
      role: 'master',
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
      reconnectOnError: (err) => err.message.startsWith('READONLY'),
      retryStrategy: (n) => Math.min(50 * n, 500),
      sentinelRetryStrategy: (n) => Math.min(50 * n, 500),
      connectTimeout: Math.max(500, o.timeoutMs),
      sentinelCommandTimeout: Math.max(250, Math.min(1000, o.timeoutMs)),
      protocol: 2,
      lazyConnect: false,
    });
    // connection trouble shows in the calls' outcomes; without a listener ioredis prints every one
    this.redis.on('error', () => undefined);
    // every call waiting for a connection listens for 'ready'
    this.redis.setMaxListeners(0);
  }

  async get(key: string, _consistency: 'strong' | 'eventual'): Promise<CallOutcome> {
    return this.call(async (r) => ({ type: 'ok', value: await r.get(key) }));
  }

  async put(key: string, value: string): Promise<CallOutcome> {
    return this.call(async (r) => {
      await r.set(key, value);
      return { type: 'ok' };
    });
  }

  async cas(key: string, expected: string | null, value: string): Promise<CallOutcome> {
    return this.call(async (r) => {
      const reply = (await r.eval(CAS_SCRIPT, 1, key, expected === null ? '0' : '1', expected ?? '', value)) as [number, (string | null)?];
      if (reply[0] === 1) return { type: 'ok' };
      return { type: 'fail', error: PRECONDITION_FAILED, current: reply[1] ?? null };
    });
  }

  async delete(key: string): Promise<CallOutcome> {
    return this.call(async (r) => {
      await r.del(key);
      return { type: 'ok' };
    });
  }

  close(): void {
    this.redis.disconnect(false);
  }

  /** Waits (within the call's time) for a ready connection, then runs the command against the deadline. */
  private async call(fn: (r: Redis) => Promise<CallOutcome>): Promise<CallOutcome> {
    const deadline = performance.now() + this.o.timeoutMs;
    if (!(await this.ready(deadline))) return { type: 'fail', error: NOT_SENT };
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<CallOutcome>((resolve) => {
      timer = setTimeout(() => resolve({ type: 'info', error: TIMEOUT }), Math.max(0, deadline - performance.now()));
    });
    try {
      // a command that times out here stays with ioredis until its answer or its connection's end; nobody reads it
      return await Promise.race([fn(this.redis).catch((err: unknown) => errorOutcome(err)), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private ready(deadline: number): Promise<boolean> {
    if (this.redis.status === 'ready') return Promise.resolve(true);
    if (this.redis.status === 'end') return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        this.redis.off('ready', onReady);
        resolve(ok);
      };
      const onReady = (): void => done(true);
      const timer = setTimeout(() => done(false), Math.max(0, deadline - performance.now()));
      this.redis.on('ready', onReady);
    });
  }
}
