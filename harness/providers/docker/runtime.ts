// The Docker runtime the provider talks to: testcontainers' client (and the dockerode
// handle inside it), loaded lazily so that nothing Docker-related runs for `local`.
//
// testcontainers is configured for machines with no registry before it is imported:
// no reaper (its image cannot be pulled) and the host given as 127.0.0.1 (otherwise it
// pulls alpine to find the gateway). A user's own values win.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import type Dockerode from 'dockerode';

type Testcontainers = typeof import('testcontainers');

export function applyTestcontainersDefaults(env: NodeJS.ProcessEnv = process.env): void {
  env['TESTCONTAINERS_RYUK_DISABLED'] ??= 'true';
  env['TESTCONTAINERS_HOST_OVERRIDE'] ??= '127.0.0.1';
}

let loaded: Promise<Testcontainers> | undefined;

export function testcontainers(): Promise<Testcontainers> {
  applyTestcontainersDefaults();
  loaded ??= import('testcontainers');
  return loaded;
}

export async function dockerode(): Promise<Dockerode> {
  const tc = await testcontainers();
  const client = await tc.getContainerRuntimeClient();
  return client.container.dockerode;
}

/** Whether the local daemon has this image (never pulls): the harness's one image check, through dockerode. */
export async function imageExists(tag: string): Promise<boolean> {
  const docker = await dockerode();
  return docker
    .getImage(tag)
    .inspect()
    .then(
      () => true,
      () => false,
    );
}

/** The docker CLI, for tests that look from outside: Debian's client matches the daemon here; a newer `docker` on PATH may not (ENVIRONMENT.md). */
export const dockerCli = (): string => (existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker');

export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a host program; never throws for a non-zero exit (the caller reads `code`). */
export function run(file: string, args: readonly string[], opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = execFile(file, [...args], { timeout: opts.timeoutMs ?? 20_000, maxBuffer: 16 << 20, env: opts.env ?? process.env }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 127) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) || (err && code === 127 ? err.message : '') });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Settles with `p`, or rejects after `ms` (a daemon that does not answer is not waited on forever). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (t = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)))]).finally(() =>
    clearTimeout(t),
  );
}

/**
 * Is a Docker daemon answering? Resolves with its version, or with the reason it is not
 * usable. Asked through dockerode, the harness's one Docker client (the docker CLI is
 * used by no product code; tests may use it to look from outside).
 */
export async function dockerAvailable(): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
  try {
    const docker = await within(dockerode(), 10_000, 'finding the Docker daemon');
    const v = await within(docker.version(), 5_000, 'docker version');
    return v.Version ? { ok: true, version: v.Version } : { ok: false, reason: 'the daemon gave no version' };
  } catch (e) {
    const msg = (e as Error).message.trim().split('\n').pop() ?? String(e);
    return { ok: false, reason: msg };
  }
}

/** Imports a root filesystem tarball as image `tag` (`docker import`, through dockerode), with Dockerfile-style changes. */
export async function importImage(tarFile: string, tag: string, changes: readonly string[]): Promise<void> {
  const docker = await dockerode();
  const colon = tag.lastIndexOf(':');
  const [repo, version] = colon > tag.lastIndexOf('/') ? [tag.slice(0, colon), tag.slice(colon + 1)] : [tag, 'latest'];
  const stream = await docker.importImage(tarFile, { repo, tag: version, changes: [...changes] } as object);
  await followProgress(docker, stream);
}

/** Builds the Dockerfile in `dir` as `tag` with the classic builder (no buildx here; ENVIRONMENT.md), through dockerode. */
export async function buildImage(dir: string, files: readonly string[], tag: string): Promise<void> {
  const docker = await dockerode();
  const stream = await docker.buildImage({ context: dir, src: [...files] }, { t: tag, q: true, rm: true, forcerm: true });
  await followProgress(docker, stream);
}

/** Gives `tag` to an image the daemon has (`docker tag`). */
export async function tagImage(image: string, tag: string): Promise<void> {
  const docker = await dockerode();
  const colon = tag.lastIndexOf(':');
  const [repo, version] = colon > tag.lastIndexOf('/') ? [tag.slice(0, colon), tag.slice(colon + 1)] : [tag, 'latest'];
  await docker.getImage(image).tag({ repo, tag: version });
}

/** Waits out a build or import stream; an error line in it (the daemon's message) is the error. */
function followProgress(docker: Dockerode, stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, out: Array<{ error?: string; errorDetail?: { message?: string } }>) => {
      const failed = out?.find((o) => o.error !== undefined || o.errorDetail !== undefined);
      if (err) reject(err);
      else if (failed) reject(new Error(failed.errorDetail?.message ?? failed.error ?? 'failed'));
      else resolve();
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
