// After a crash of a harness that drove a real Toxiproxy (--toxiproxy URL), the proxies
// it created stay there, with any toxic in force: a partition that outlives its run.
// They are named `gameday-<runId>.<from>.<to>` (see links.ts); this removes exactly
// those of one run, and nothing else on that server.
import { Toxiproxy } from 'toxiproxy-node-client';
import { checkToxiproxyUrl } from './links.ts';

/** The name prefix of a run's proxies (links.ts joins prefix, party and destination with dots). */
export const runProxyPrefix = (runId: string): string => `gameday-${runId}`;

export interface ToxiproxyHealReport {
  readonly url: string;
  /** names of the proxies removed */
  readonly removed: string[];
  /** the server is not running: whatever it held went with it */
  readonly gone?: boolean;
  /** set when the server could not be asked for another reason: try again later */
  readonly error?: string;
}

export async function removeRunProxies(url: string, runId: string): Promise<ToxiproxyHealReport> {
  const u = checkToxiproxyUrl(url);
  const prefix = runProxyPrefix(runId) + '.';
  const removed: string[] = [];
  try {
    await fetch(`${u.origin}/version`, { signal: AbortSignal.timeout(5000) });
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code;
    if (code === 'ECONNREFUSED') return { url: u.origin, removed, gone: true };
    return { url: u.origin, removed, error: code ?? (err as Error).message };
  }
  try {
    const client = new Toxiproxy(u.origin);
    const all = await client.getAll();
    for (const [name, proxy] of Object.entries(all)) {
      if (!name.startsWith(prefix)) continue;
      await proxy.remove(); // removing a proxy closes its connections and drops its toxics
      removed.push(name);
    }
    return { url: u.origin, removed };
  } catch (err) {
    return { url: u.origin, removed, error: (err as Error).message };
  }
}
