// After recovery and with the canaries stopped, the harness reads every key once
// more, strongly consistent, through the public endpoints. These reads go into the
// history (final: true): they are the evidence of check "lost-writes".

import { KvClient } from '../../canaries/kv-client.ts';
import type { ClientOptions, KvApi } from '../../targets/target.ts';
import type { HistoryWriter } from '../history/writer.ts';

export interface FinalReadTarget {
  readonly endpoint: string;
  readonly az: string;
  readonly url: string;
}

export async function finalReads(
  keys: readonly string[],
  endpoints: readonly FinalReadTarget[],
  history: HistoryWriter,
  newProcess: () => number,
  opts: { deadlineMs: number; timeoutMs: number; concurrency?: number; client?: (url: string, o: ClientOptions) => KvApi },
): Promise<{ read: number; unread: string[] }> {
  const make = opts.client ?? ((url: string, o: ClientOptions): KvApi => new KvClient(url, o.timeoutMs, o.maxInFlight));
  const clients = endpoints.map((e) => ({ ...e, client: make(e.url, { timeoutMs: opts.timeoutMs, maxInFlight: 8 }) }));
  const deadline = performance.now() + opts.deadlineMs;
  const unread: string[] = [];
  let next = 0;
  const worker = async (w: number): Promise<void> => {
    let proc = newProcess();
    while (next < keys.length) {
      const i = next++;
      const key = keys[i] as string;
      let done = false;
      for (let attempt = 0; !done && performance.now() < deadline; attempt++) {
        const e = clients[(i + attempt + w) % clients.length] as (typeof clients)[number];
        const base = { process: proc, f: 'read' as const, key, consistency: 'strong' as const, az: e.az, endpoint: e.endpoint, final: true as const };
        const inv = history.record({ ...base, type: 'invoke', value: null });
        const out = await e.client.get(key, 'strong');
        const latencyMs = Math.round((history.clock() - inv.time) * 1000) / 1000;
        if (out.type === 'ok') {
          history.record({ ...base, type: 'ok', value: out.value ?? null, latencyMs });
          done = true;
        } else {
          history.record({ ...base, type: out.type, value: null, latencyMs, error: out.error });
          if (out.type === 'info') proc = newProcess();
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      if (!done) unread.push(key);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 8 }, (_, w) => worker(w)));
  for (const c of clients) c.client.close();
  return { read: keys.length - unread.length, unread };
}
