// The one readiness wait of the providers: poll a URL until it answers 200, and stop
// early, saying why, once the party behind it is gone (a process that exited, a
// container that stopped). Local nodes, docker nodes, gateways and the fault proxy
// all wait through it.

export interface ReadyOptions {
  readonly timeoutMs: number;
  /** Who is awaited, for messages ("node az1-store-1"); default the URL. */
  readonly what?: string;
  /** Why waiting is pointless (the party exited, with what it said), or undefined while it may still answer. */
  readonly gone?: () => string | undefined | Promise<string | undefined>;
  /** Ask gone() every this many polls (default 1; a look through the Docker API costs more than a process check). */
  readonly goneEvery?: number;
  /** Pause between polls, ms (default 40). */
  readonly pollMs?: number;
}

/** Resolves once `url` answers 200; throws after `timeoutMs` or as soon as gone() names a reason. */
export async function waitReady(url: string, o: ReadyOptions): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  const what = o.what ?? url;
  let last = 'no answer yet';
  for (let i = 0; Date.now() < deadline; i++) {
    if (o.gone && i % (o.goneEvery ?? 1) === 0) {
      const why = await o.gone();
      if (why !== undefined) throw new Error(`${what} ${why} before ${url} answered 200`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(Math.min(1_000, Math.max(50, deadline - Date.now()))) });
      await res.arrayBuffer();
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, o.pollMs ?? 40));
  }
  throw new Error(`${what} not ready within ${o.timeoutMs} ms: ${url} → ${last}`);
}
