// The one readiness wait of the providers: poll a probe until it says ready (an HTTP
// URL answering 200, a TCP port accepting, a command exiting 0), and stop early,
// saying why, once the party behind it is gone (a process that exited, a container
// that stopped). Local nodes, docker nodes, gateways and the fault proxy all wait
// through it.

import { spawn } from 'node:child_process';
import { connect } from 'node:net';

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

/** One look: undefined when ready, else what it saw (the last one is in the timeout's message). */
export interface Probe {
  /** What is probed, for messages: "http://.../health", "tcp 127.0.1.1:6379", "command redis-cli ping". */
  readonly name: string;
  /** What "ready" means here, for messages: "answered 200", "accepted", "exited 0". */
  readonly ready: string;
  look(budgetMs: number): Promise<string | undefined>;
}

export function httpProbe(url: string): Probe {
  return {
    name: url,
    ready: 'answered 200',
    look: async (budgetMs) => {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(budgetMs) });
        await res.arrayBuffer();
        return res.status === 200 ? undefined : `HTTP ${res.status}`;
      } catch (err) {
        return (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      }
    },
  };
}

/** Ready once the port accepts a connection (closed at once). */
export function tcpProbe(host: string, port: number): Probe {
  return {
    name: `tcp ${host}:${port}`,
    ready: 'accepted a connection',
    look: (budgetMs) =>
      new Promise((resolve) => {
        const s = connect({ host, port });
        const done = (why: string | undefined): void => {
          clearTimeout(t);
          s.destroy();
          resolve(why);
        };
        const t = setTimeout(() => done('no answer'), budgetMs);
        s.once('connect', () => done(undefined));
        s.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
      }),
  };
}

/** Ready once the command exits 0 (killed after the poll's budget). */
export function commandProbe(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Probe {
  return {
    name: `command ${argv.join(' ')}`,
    ready: 'exited 0',
    look: (budgetMs) =>
      new Promise((resolve) => {
        const c = spawn(argv[0] as string, argv.slice(1), { env, stdio: 'ignore' });
        const t = setTimeout(() => c.kill('SIGKILL'), budgetMs);
        c.once('error', (err: NodeJS.ErrnoException) => {
          clearTimeout(t);
          resolve(err.code ?? err.message);
        });
        c.once('exit', (code, signal) => {
          clearTimeout(t);
          resolve(code === 0 ? undefined : signal ? `killed by ${signal}` : `exit code ${code}`);
        });
      }),
  };
}

/** Resolves once `url` answers 200; throws after `timeoutMs` or as soon as gone() names a reason. */
export function waitReady(url: string, o: ReadyOptions): Promise<void> {
  return waitProbe(httpProbe(url), o);
}

/** Resolves once the probe says ready; throws after `timeoutMs` or as soon as gone() names a reason. */
export async function waitProbe(probe: Probe, o: ReadyOptions): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  const what = o.what ?? probe.name;
  let last = 'no answer yet';
  for (let i = 0; Date.now() < deadline; i++) {
    if (o.gone && i % (o.goneEvery ?? 1) === 0) {
      const why = await o.gone();
      if (why !== undefined) throw new Error(`${what} ${why} before ${probe.name} ${probe.ready}`);
    }
    const saw = await probe.look(Math.min(1_000, Math.max(50, deadline - Date.now())));
    if (saw === undefined) return;
    last = saw;
    await new Promise((r) => setTimeout(r, o.pollMs ?? 40));
  }
  throw new Error(`${what} not ready within ${o.timeoutMs} ms: ${probe.name} → ${last}`);
}
