// `gameday doctor`: what this machine offers (Node, a Docker daemon, rights for
// iptables and nsenter, k6, a Toxiproxy server, the etcd and Redis binaries) and, from
// that, which providers, faults and built-in targets can run here. Only looks: starts nothing, changes nothing; always exits 0.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { CommandModule } from 'yargs';
import { dockerAvailable, run } from '../../providers/docker/runtime.ts';
import { UsageError } from '../errors.ts';

interface Args {
  json: boolean;
  toxiproxy: string | undefined;
}

export interface Finding {
  readonly name: string;
  readonly ok: boolean;
  /** what was found (a version, an address) or why not */
  readonly detail: string;
}

export interface Capability {
  readonly name: string;
  readonly ok: boolean;
  readonly how: string;
}

export interface DoctorReport {
  readonly machine: readonly Finding[];
  readonly providers: readonly Capability[];
  readonly faults: readonly { readonly provider: string; readonly faults: readonly Capability[] }[];
  /** The built-in targets (`target: { name }`) and whether their programs are here. */
  readonly targets: readonly Capability[];
}

const MIN_NODE: readonly [number, number] = [20, 19];

export function onPath(program: string, path = process.env['PATH'] ?? ''): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const file = join(dir, program);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      /* next */
    }
  }
  return undefined;
}

function nodeFinding(): Finding {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  const ok = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
  return { name: 'node', ok, detail: ok ? `v${process.versions.node}` : `v${process.versions.node}; gameday needs >= ${MIN_NODE.join('.')}` };
}

async function dockerFinding(): Promise<Finding> {
  const d = await dockerAvailable();
  return d.ok
    ? { name: 'docker', ok: true, detail: `daemon ${d.version} (through dockerode)` }
    : { name: 'docker', ok: false, detail: `no daemon answers: ${d.reason}` };
}

async function netnsFinding(): Promise<Finding> {
  if (!onPath('nsenter')) return { name: 'nsenter+iptables', ok: false, detail: 'nsenter is not on PATH (util-linux)' };
  if (!onPath('iptables')) return { name: 'nsenter+iptables', ok: false, detail: 'iptables is not on PATH (apt-get install iptables)' };
  // entering our own network namespace needs the same rights as entering a container's
  const r = await run('nsenter', ['-t', String(process.pid), '-n', 'iptables', '-w', '-S', 'INPUT'], { timeoutMs: 5_000 });
  if (r.code === 0) return { name: 'nsenter+iptables', ok: true, detail: 'can enter network namespaces and write iptables rules' };
  return {
    name: 'nsenter+iptables',
    ok: false,
    detail: `not permitted (needs root or CAP_SYS_ADMIN + CAP_NET_ADMIN): ${r.stderr.trim().split('\n')[0] ?? ''}`,
  };
}

function imageToolsFinding(): Finding {
  const missing = ['ldd', 'tar'].filter((p) => !onPath(p));
  return missing.length === 0
    ? { name: 'image tools', ok: true, detail: 'ldd and tar (node images are made from the local Node binary, no registry needed)' }
    : { name: 'image tools', ok: false, detail: `missing ${missing.join(', ')}: cannot make node images locally` };
}

async function k6Finding(): Promise<Finding> {
  const k6 = onPath('k6');
  if (!k6) return { name: 'k6', ok: false, detail: 'no k6 on PATH (https://grafana.com/docs/k6/latest/set-up/install-k6/)' };
  const r = await run(k6, ['version'], { timeoutMs: 5_000 });
  return r.code === 0
    ? { name: 'k6', ok: true, detail: `${r.stdout.trim().split('\n')[0]} (${k6})` }
    : { name: 'k6', ok: false, detail: `${k6} version failed: ${r.stderr.trim()}` };
}

async function toxiproxyFinding(url: string | undefined): Promise<Finding> {
  if (url === undefined) return { name: 'toxiproxy', ok: false, detail: 'none given (--toxiproxy URL); the embedded Toxiproxy-compatible proxy is used' };
  try {
    const res = await fetch(new URL('/version', url), { signal: AbortSignal.timeout(3_000) });
    const body = (await res.text()).trim();
    return res.ok
      ? { name: 'toxiproxy', ok: true, detail: `${url} answers, version ${body.slice(0, 80)}` }
      : { name: 'toxiproxy', ok: false, detail: `${url}/version → HTTP ${res.status}` };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    return { name: 'toxiproxy', ok: false, detail: `${url} does not answer: ${e.cause?.code ?? e.message}` };
  }
}

/** A built-in target's programs: found (their version checked), or why not and how to install them. */
function programsFinding(name: string, missing: string | undefined, install: string): Finding {
  return missing === undefined ? { name, ok: true, detail: 'found on PATH' } : { name, ok: false, detail: `${missing} (${install})` };
}

/** From the findings: which providers and faults can run here. */
export function capabilities(machine: readonly Finding[]): Omit<DoctorReport, 'machine'> {
  const has = (n: string): boolean => machine.find((f) => f.name === n)?.ok ?? false;
  const node = has('node');
  const docker = node && has('docker') && has('image tools');
  const netns = has('nsenter+iptables');
  const toxi = has('toxiproxy') ? 'the Toxiproxy server given' : 'the embedded Toxiproxy-compatible proxy';
  const need = (ok: boolean, how: string, why: string): Capability['how'] => (ok ? how : `no: ${why}`);
  const providers: Capability[] = [
    { name: 'local', ok: node, how: need(node, 'child processes on per-AZ loopback addresses', 'Node too old') },
    {
      name: 'docker',
      ok: docker,
      how: need(docker, 'one container per node, images from the local Node binary', !has('docker') ? 'no Docker daemon' : 'cannot make images (ldd, tar)'),
    },
    {
      name: 'attach',
      ok: docker,
      how: need(
        docker,
        `containers you already run, found by label (power-off, pause${netns ? ', partitions' : '; no partitions: no rights for nsenter + iptables'})`,
        !has('docker') ? 'no Docker daemon' : "cannot make the canary gateways' image (ldd, tar)",
      ),
    },
  ];
  const faults = [
    {
      provider: 'local',
      faults: [
        { name: 'power-off', ok: node, how: need(node, 'SIGKILL, restart on the same data dir', 'Node too old') },
        { name: 'pause', ok: node, how: need(node, 'SIGSTOP / SIGCONT', 'Node too old') },
        { name: 'partition', ok: node, how: need(node, `links blackholed in ${toxi}`, 'Node too old') },
        { name: 'link faults', ok: node, how: need(node, `latency, jitter, bandwidth, reset through ${toxi}`, 'Node too old') },
      ],
    },
    {
      provider: 'docker',
      faults: [
        { name: 'power-off', ok: docker, how: need(docker, 'container kill (SIGKILL), start of the same container', 'docker provider unavailable') },
        { name: 'pause', ok: docker, how: need(docker, 'docker pause / unpause (cgroup freezer)', 'docker provider unavailable') },
        {
          name: 'partition',
          ok: docker && netns,
          how: need(
            docker && netns,
            'DROP rules in the containers\u2019 namespaces (nsenter + iptables)',
            docker ? 'no rights for nsenter + iptables (run as root)' : 'docker provider unavailable',
          ),
        },
        {
          name: 'link faults',
          ok: docker,
          how: need(
            docker,
            'toxics in the run\u2019s fault-proxy container (embedded Toxiproxy server) on every node and canary link',
            'docker provider unavailable',
          ),
        },
      ],
    },
  ];
  const load = has('k6');
  for (const f of faults) f.faults.push({ name: 'k6 load', ok: load, how: need(load, 'k6 runs the experiment\u2019s load script', 'no k6 on PATH') });
  // per built-in target: what it can run here, locally and (with its partitions) on docker
  const target = (name: string, finding: string, local: string, onDocker: string): Capability => {
    const f = machine.find((m) => m.name === finding);
    const ok = node && (f?.ok ?? false);
    const dockerPart =
      docker && netns
        ? `; on docker: ${onDocker}`
        : docker
          ? '; on docker: power-off and pause (no rights for partitions)'
          : '; not on docker (no Docker daemon)';
    return { name, ok, how: need(ok, `${local}${dockerPart}`, !node ? 'Node too old' : (f?.detail ?? `${finding} not looked for`)) };
  };
  const targets: Capability[] = [
    {
      name: 'reference',
      ok: node,
      how: need(node, `the bundled cluster (experiments/power-off.yaml and the others)${docker ? '; also on docker' : ''}`, 'Node too old'),
    },
    target('etcd', 'etcd', 'gameday run experiments/etcd-power-off.yaml (power-off, pause)', 'also gameday run experiments/etcd-partition.yaml'),
    target('redis', 'redis', 'gameday run experiments/redis-failover.yaml (power-off, pause)', 'also gameday run experiments/redis-partition.yaml'),
    {
      name: 'http',
      ok: node,
      how: need(
        node,
        `a service described in target.options (README "A service described in YAML alone")${docker ? '; also on docker and attached' : ''}`,
        'Node too old',
      ),
    },
  ];
  return { providers, faults, targets };
}

export async function diagnose(toxiproxy?: string): Promise<DoctorReport> {
  // loaded here: `gameday --help` loads every command module, and the redis target brings ioredis
  const [{ etcdMissing }, { redisMissing }] = await Promise.all([import('../../../targets/etcd/target.ts'), import('../../../targets/redis/target.ts')]);
  const machine = await Promise.all([
    nodeFinding(),
    dockerFinding(),
    netnsFinding(),
    imageToolsFinding(),
    k6Finding(),
    toxiproxyFinding(toxiproxy),
    programsFinding('etcd', etcdMissing(), 'Debian: apt-get install etcd-server'),
    programsFinding('redis', redisMissing(), 'Debian: apt-get install redis-server redis-sentinel'),
  ]);
  return { machine, ...capabilities(machine) };
}

export function formatReport(r: DoctorReport): string {
  const mark = (ok: boolean): string => (ok ? 'ok ' : '-- ');
  const lines = ['this machine'];
  for (const f of r.machine) lines.push(`  ${mark(f.ok)} ${f.name.padEnd(17)} ${f.detail}`);
  lines.push('providers');
  for (const p of r.providers) lines.push(`  ${mark(p.ok)} ${p.name.padEnd(17)} ${p.how}`);
  for (const g of r.faults) {
    lines.push(`faults with --provider ${g.provider}`);
    for (const f of g.faults) lines.push(`  ${mark(f.ok)} ${f.name.padEnd(17)} ${f.how}`);
  }
  lines.push('built-in targets');
  for (const t of r.targets) lines.push(`  ${mark(t.ok)} ${t.name.padEnd(17)} ${t.how}`);
  return lines.join('\n') + '\n';
}

export const command: CommandModule<object, Args> = {
  command: 'doctor',
  describe: 'say what this machine offers and which providers, faults and built-in targets can run here',
  builder: (y) =>
    y
      .option('json', { type: 'boolean', default: false, describe: 'print the report as JSON' })
      .option('toxiproxy', { type: 'string', describe: 'URL of a Toxiproxy server to check, e.g. http://127.0.0.1:8474' }),
  handler: async (args) => {
    if (args.toxiproxy !== undefined && !URL.canParse(args.toxiproxy)) {
      throw new UsageError(`--toxiproxy "${args.toxiproxy}" is not a URL`, 'give the API address, e.g. --toxiproxy http://127.0.0.1:8474', '--toxiproxy');
    }
    const report = await diagnose(args.toxiproxy);
    process.stdout.write(args.json ? JSON.stringify(report, null, 2) + '\n' : formatReport(report));
  },
};
