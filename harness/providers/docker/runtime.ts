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
  return docker.getImage(tag).inspect().then(
    () => true,
    () => false,
  );
}

/** Debian's client matches the daemon here; a newer `docker` on PATH may not (ENVIRONMENT.md). */
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
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 127) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) || (err && code === 127 ? err.message : '') });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Is a Docker daemon answering? Resolves with its version, or with the reason it is not usable. */
export async function dockerAvailable(): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
  const r = await run(dockerCli(), ['version', '--format', '{{.Server.Version}}'], { timeoutMs: 5_000 });
  if (r.code === 0 && r.stdout.trim()) return { ok: true, version: r.stdout.trim() };
  const why = (r.stderr || r.stdout).trim().split('\n').pop() ?? `exit ${r.code}`;
  return { ok: false, reason: why || `\`${dockerCli()} version\` exited ${r.code}` };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
