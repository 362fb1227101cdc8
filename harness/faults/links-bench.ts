// Cost of the proxy layer on the reference cluster: closed-loop puts and strong gets
// from the az1 canary path through every router, direct vs through the proxies
// (router → storage → storage links proxied too), plus the time to put an AZ
// partition in force and to heal it. Loopback only.
//   node --import tsx harness/faults/links-bench.ts [seconds] [concurrency]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReferenceTarget } from '../../targets/reference/target.ts';
import { LocalProvider } from '../providers/local.ts';
import type { StartedCluster } from '../providers/provider.ts';
import { ProxyNet } from './links.ts';

const seconds = Number(process.argv[2] ?? 4);
const concurrency = Number(process.argv[3] ?? 8);

async function load(c: StartedCluster): Promise<{ opsPerSec: number; p50: number; p99: number }> {
  const urls = c.endpoints().map((e) => c.url(e.id, 'az1'));
  const lat: number[] = [];
  const end = performance.now() + seconds * 1000;
  let n = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      while (performance.now() < end) {
        const url = `${urls[n % urls.length]}/kv/bench-${w}-${n % 50}`;
        n++;
        const t = performance.now();
        const res =
          n % 2
            ? await fetch(url, { method: 'PUT', body: JSON.stringify({ value: String(n) }), headers: { 'content-type': 'application/json' } })
            : await fetch(url);
        await res.arrayBuffer();
        lat.push(performance.now() - t);
      }
    }),
  );
  lat.sort((a, b) => a - b);
  const q = (p: number): number => Math.round((lat[Math.floor(p * (lat.length - 1))] ?? 0) * 100) / 100;
  return { opsPerSec: Math.round(lat.length / seconds), p50: q(0.5), p99: q(0.99) };
}

async function one(proxied: boolean): Promise<void> {
  const target = new ReferenceTarget({ flushIntervalMs: 5000 });
  const topo = target.topology();
  const net = proxied ? new ProxyNet({ seed: 1 }) : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'gameday-links-bench-'));
  const c = await new LocalProvider(net?.hook).start(target, topo, { runDir: dir, runId: 'links-bench' });
  try {
    await load(c); // warm-up
    const r = await load(c);
    let extra = '';
    if (net) {
      const azs: [string[], string[]] = [['az1'], ['az2', 'az3']];
      const sides: [string[], string[]] = [
        topo.nodes.filter((x) => x.az === 'az1').map((x) => x.id),
        topo.nodes.filter((x) => x.az !== 'az1').map((x) => x.id),
      ];
      const t0 = performance.now();
      const toxics = await net.apply('p1', { sides, azSides: azs, toxic: 'timeout', attributes: { timeout: 0 }, direction: 'both', stream: 'both' });
      const t1 = performance.now();
      await net.heal('p1');
      const t2 = performance.now();
      extra = `  ${net.proxyCount} proxies set up in ${net.setupMs} ms; AZ partition (${toxics} toxics) in force in ${Math.round(t1 - t0)} ms, healed in ${Math.round(t2 - t1)} ms (idle)`;
    }
    console.log(`${proxied ? 'through proxies' : 'direct         '}  ${r.opsPerSec} ops/s  p50 ${r.p50} ms  p99 ${r.p99} ms${extra}`);
  } finally {
    await c.stop();
    await net?.close();
  }
}

console.log(`reference cluster, ${concurrency} closed-loop clients from az1 over 3 routers, ${seconds} s, half puts half strong gets`);
await one(false);
await one(true);
await one(false);
await one(true);
