// The native forwarder (native/forward.c): built with the machine's C compiler
// against the running Node's own headers the first time a proxy server starts,
// cached by a hash of the source, Node's ABI version and the compiler, and
// loaded as a Node-API addon. Nothing is downloaded. When there is no compiler
// or no headers, loadForwarder() says why and the proxy forwards in JavaScript
// (tcp.ts): slower, same behaviour.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

/** A connection handed back by the forwarder, with what was in flight. */
export interface Released {
  readonly clientFd: number;
  readonly upstreamFd: number;
  /** Read from the client, not yet sent upstream. */
  readonly pendingUp: Buffer | null;
  /** Read from the upstream, not yet sent to the client. */
  readonly pendingDown: Buffer | null;
  readonly clientEnded: boolean;
  readonly upstreamShut: boolean;
  readonly upstreamEnded: boolean;
  readonly clientShut: boolean;
}

export interface Forwarder {
  /** Forwards between duplicates of the two descriptors until both directions end or one fails; the caller closes its own. */
  adopt(clientFd: number, upstreamFd: number, onEnded: (errno: number) => void): number;
  /** Stops forwarding and hands the sockets back; null when the connection ended already (its onEnded is on the way). */
  release(id: number): Released | null;
  /** Closes both sockets now, with RST when `reset`; onEnded is not called. */
  kill(id: number, reset: boolean): void;
  /** Connections being forwarded now. */
  live(): number;
}

interface Addon {
  start(onEnded: (pairs: number[]) => void): void;
  adopt(clientFd: number, upstreamFd: number): number;
  release(id: number): [number, number, Buffer | null, Buffer | null, number] | null;
  kill(id: number, reset: boolean): boolean;
  live(): number;
}

const here = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(here, 'native', 'forward.c');

function nodeHeaders(): string | undefined {
  const candidates = [join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node'];
  return candidates.find((d) => existsSync(join(d, 'node_api.h')));
}

function cacheDir(): string {
  const inRepo = join(here, '..', '..', 'node_modules', '.cache', 'gameday');
  for (const dir of [inRepo, join(tmpdir(), `gameday-native-${process.getuid?.() ?? 'user'}`)]) {
    try {
      mkdirSync(dir, { recursive: true });
      return dir;
    } catch {
      /* try the next */
    }
  }
  throw new Error('no writable cache directory for the native forwarder');
}

function run(cmd: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 120_000 }, (err, stdout, stderr) => {
      const code = (err as NodeJS.ErrnoException | null)?.code;
      resolve({ ok: !err, out: code === 'ENOENT' ? 'ENOENT' : `${stdout}${stderr}`.trim() });
    });
  });
}

async function build(): Promise<{ path: string } | { reason: string }> {
  if (process.platform !== 'linux') return { reason: `it uses epoll, which ${process.platform} does not have` };
  const headers = nodeHeaders();
  if (!headers) return { reason: `no Node headers (node_api.h) next to ${process.execPath}; install the ones for Node ${process.version}` };
  const source = readFileSync(SOURCE);
  const compilers = [process.env['CC'], 'cc', 'gcc', 'clang'].filter((c): c is string => !!c);
  for (const cc of compilers) {
    const version = await run(cc, ['--version']);
    if (!version.ok) continue;
    const hash = createHash('sha256').update(source).update(process.versions.modules).update(version.out).digest('hex').slice(0, 16);
    const dir = cacheDir();
    const path = join(dir, `forward-${hash}.node`);
    if (existsSync(path)) return { path };
    const tmp = `${path}.${process.pid}.tmp`;
    const r = await run(cc, ['-O2', '-shared', '-fPIC', '-Wall', `-I${headers}`, '-o', tmp, SOURCE, '-pthread']);
    if (!r.ok) {
      rmSync(tmp, { force: true });
      return { reason: `${cc} could not build ${SOURCE}: ${r.out.split('\n').slice(0, 3).join(' / ')}` };
    }
    renameSync(tmp, path); // atomic: a concurrent build by another process leaves the same file
    // builds of earlier sources (ours: the name says so) are of no further use
    for (const f of readdirSync(dir)) if (/^forward-[0-9a-f]{16}\.node$/.test(f) && join(dir, f) !== path) rmSync(join(dir, f), { force: true });
    return { path };
  }
  return { reason: 'no C compiler (set CC, or install cc, gcc or clang)' };
}

class NativeForwarder implements Forwarder {
  private readonly ended = new Map<number, (errno: number) => void>();

  constructor(private readonly addon: Addon) {
    addon.start((pairs) => {
      for (let i = 0; i + 1 < pairs.length; i += 2) {
        const id = pairs[i]!;
        const cb = this.ended.get(id);
        this.ended.delete(id);
        try {
          cb?.(pairs[i + 1]!);
        } catch (e) {
          process.nextTick(() => {
            throw e;
          });
        }
      }
    });
  }

  adopt(clientFd: number, upstreamFd: number, onEnded: (errno: number) => void): number {
    const id = this.addon.adopt(clientFd, upstreamFd);
    this.ended.set(id, onEnded);
    return id;
  }

  release(id: number): Released | null {
    this.ended.delete(id);
    const r = this.addon.release(id);
    if (!r) return null;
    const [clientFd, upstreamFd, pendingUp, pendingDown, flags] = r;
    return {
      clientFd,
      upstreamFd,
      pendingUp,
      pendingDown,
      clientEnded: (flags & 1) !== 0,
      upstreamShut: (flags & 2) !== 0,
      upstreamEnded: (flags & 4) !== 0,
      clientShut: (flags & 8) !== 0,
    };
  }

  kill(id: number, reset: boolean): void {
    this.ended.delete(id);
    this.addon.kill(id, reset);
  }

  live(): number {
    return this.addon.live();
  }
}

let loading: Promise<{ forwarder: Forwarder } | { reason: string }> | undefined;

/** The process's forwarder (one thread for every proxy), or why there is none. Builds it on first use. */
export function loadForwarder(): Promise<{ forwarder: Forwarder } | { reason: string }> {
  loading ??= (async () => {
    try {
      const built = await build();
      if ('reason' in built) return built;
      const addon = createRequire(import.meta.url)(built.path) as Addon;
      return { forwarder: new NativeForwarder(addon) };
    } catch (e) {
      return { reason: (e as Error).message };
    }
  })();
  return loading;
}
