// Images for node programs with no registry: a runtime image made from the local Node
// binary and the shared libraries `ldd` lists (`docker import` of a root-filesystem
// tarball), and on top of it one small image per program, its entry module bundled by
// esbuild into a single .mjs file (classic builder: DOCKER_BUILDKIT=0). A node
// launched by a host command (etcd, redis-server) gets an image of that executable
// and its libraries alone, the executable at the same path as on the host.
// All are tagged by a hash of their content, so a repeated run reuses them.

import { createHash } from 'node:crypto';
import { accessSync, constants, copyFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { programModule } from '../program.ts';
import { buildImage, imageExists, importImage, run } from './runtime.ts';

export const NODE_IN_IMAGE = '/usr/bin/node';
export const APP_IN_IMAGE = '/app/main.mjs';
const IMAGE_LABEL = 'gameday.image';

export class ImageBuildError extends Error {
  override readonly name = 'ImageBuildError';
  constructor(
    message: string,
    readonly step: string,
    readonly output: string,
  ) {
    super(`${message} (${step})${output ? `:\n${output.trim().slice(-2000)}` : ''}`);
  }
}

export interface BuiltImage {
  readonly tag: string;
  /** false when a cached image with the same content hash was reused */
  readonly built: boolean;
  readonly ms: number;
}

const short = (h: string): string => h.slice(0, 16);

/** The shared libraries `ldd` resolves for `bin` (the loader included); none for a static executable. */
async function sharedLibraries(bin: string): Promise<string[]> {
  const r = await run('ldd', [bin]);
  if (r.code !== 0) {
    if (/not a dynamic executable|statically linked/.test(r.stdout + r.stderr)) return [];
    throw new ImageBuildError(`cannot list the shared libraries of ${bin}`, 'ldd', r.stderr);
  }
  const libs = new Set<string>();
  for (const line of r.stdout.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m?.[1]) libs.add(m[1]);
  }
  return [...libs].sort();
}

/** Files the Node binary needs: itself and what `ldd` resolves (the loader included). */
export async function nodeRuntimeFiles(node = process.execPath): Promise<{ node: string; libs: string[] }> {
  const bin = realpathSync(node);
  return { node: bin, libs: await sharedLibraries(bin) };
}

function fingerprint(paths: readonly string[]): string {
  const h = createHash('sha256');
  for (const p of paths) {
    const s = statSync(p);
    h.update(`${p}\0${s.size}\0${s.mtimeMs}\n`);
  }
  return h.digest('hex');
}

/** Packs a root filesystem (`files`: path in the image → host file) and imports it as `tag`. */
async function importRootfs(tag: string, files: ReadonlyMap<string, string>, changes: readonly string[]): Promise<void> {
  const stage = mkdtempSync(join(tmpdir(), 'gameday-rootfs-'));
  try {
    const root = join(stage, 'root');
    for (const d of ['tmp', 'app', 'gameday', 'usr/bin', 'etc']) mkdirSync(join(root, d), { recursive: true });
    chmodSync(join(root, 'tmp'), 0o1777);
    for (const [inImage, host] of files) {
      mkdirSync(join(root, dirname(inImage)), { recursive: true });
      copyFileSync(realpathSync(host), join(root, inImage));
    }
    writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/tmp:/bin/false\nnobody:x:65534:65534:nobody:/tmp:/bin/false\n');
    writeFileSync(join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
    const tar = join(stage, 'rootfs.tar');
    const t = await run('tar', ['-C', root, '-cf', tar, '.'], { timeoutMs: 60_000 });
    if (t.code !== 0) throw new ImageBuildError('cannot pack the root filesystem', 'tar', t.stderr);
    await importImage(tar, tag, changes).catch((e: Error) => {
      throw new ImageBuildError(`cannot import ${tag}`, 'docker import', e.message);
    });
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** `gameday-node-runtime:<hash>`: Node + its libraries, nothing else (no shell). */
export async function runtimeImage(node = process.execPath): Promise<BuiltImage> {
  const t0 = performance.now();
  const files = await nodeRuntimeFiles(node);
  const tag = `gameday-node-runtime:${short(fingerprint([files.node, ...files.libs]))}`;
  if (await imageExists(tag)) return { tag, built: false, ms: performance.now() - t0 };
  await importRootfs(tag, new Map([[NODE_IN_IMAGE, files.node], ...files.libs.map((l) => [l, l] as const)]), [`LABEL ${IMAGE_LABEL}=runtime`]);
  return { tag, built: true, ms: performance.now() - t0 };
}

/** Where `command` is found: itself when it has a slash (relative to `cwd`), else the first executable on PATH. */
export function resolveCommand(command: string, cwd = process.cwd(), path = process.env['PATH'] ?? ''): string | undefined {
  const candidates = command.includes('/')
    ? [isAbsolute(command) ? command : resolve(cwd, command)]
    : path
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, command));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      if (statSync(c).isFile()) return c;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/**
 * `gameday-cmd-<name>:<hash>`: a host executable and the libraries it links, at the
 * paths they have on the host, with the executable as the entrypoint (container
 * args follow it). The executable keeps the path it was found at, not its symlink's
 * target: programs such as redis-sentinel read their role from the name they run as.
 */
export async function commandImage(command: string): Promise<BuiltImage & { readonly path: string }> {
  const t0 = performance.now();
  const path = resolveCommand(command);
  if (!path) throw new ImageBuildError(`no executable ${command} on PATH to put in a node image`, 'resolve', '');
  const libs = await sharedLibraries(realpathSync(path));
  const tag = `gameday-cmd-${basename(path)
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')}:${short(fingerprint([path, realpathSync(path), ...libs]))}`;
  if (await imageExists(tag)) return { tag, path, built: false, ms: performance.now() - t0 };
  await importRootfs(tag, new Map([[path, path], ...libs.map((l) => [l, l] as const)]), [
    `LABEL ${IMAGE_LABEL}=cmd-${basename(path)}`,
    'WORKDIR /tmp',
    `ENTRYPOINT ["${path}"]`,
  ]);
  return { tag, path, built: true, ms: performance.now() - t0 };
}

/** Bundles a node program (package-relative or absolute .ts/.js path; compiled .js in the package) into one ESM file. */
export async function bundleEntry(entry: string, outfile: string): Promise<void> {
  const { build } = await import('esbuild');
  const abs = programModule(entry);
  try {
    await build({
      entryPoints: [abs],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'silent',
      // bundled CommonJS dependencies call require() for Node's own modules
      banner: { js: "import { createRequire as __gamedayRequire } from 'node:module'; const require = __gamedayRequire(import.meta.url);" },
    });
  } catch (err) {
    throw new ImageBuildError(`cannot bundle ${entry}`, 'esbuild', (err as Error).message);
  }
}

/**
 * `gameday-<name>:<hash>`: the runtime image plus `entry` bundled at /app/main.mjs,
 * whose entrypoint is `node /app/main.mjs` (container args follow it).
 */
export async function programImage(name: string, entry: string): Promise<BuiltImage> {
  const t0 = performance.now();
  const base = await runtimeImage();
  const stage = mkdtempSync(join(tmpdir(), 'gameday-image-'));
  try {
    await bundleEntry(entry, join(stage, 'main.mjs'));
    const bundle = readFileSync(join(stage, 'main.mjs'));
    const hash = createHash('sha256').update(base.tag).update('\0').update(bundle).digest('hex');
    const tag = `gameday-${name.toLowerCase().replace(/[^a-z0-9_.-]+/g, '-')}:${short(hash)}`;
    if (await imageExists(tag)) return { tag, built: false, ms: performance.now() - t0 };
    writeFileSync(
      join(stage, 'Dockerfile'),
      [
        `FROM ${base.tag}`,
        `COPY main.mjs ${APP_IN_IMAGE}`,
        `LABEL ${IMAGE_LABEL}=${name}`,
        'WORKDIR /tmp',
        `ENTRYPOINT ["${NODE_IN_IMAGE}", "${APP_IN_IMAGE}"]`,
        '',
      ].join('\n'),
    );
    await buildImage(stage, ['Dockerfile', 'main.mjs'], tag).catch((e: Error) => {
      throw new ImageBuildError(`cannot build ${tag}`, 'docker build', e.message);
    });
    return { tag, built: true, ms: performance.now() - t0 };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
