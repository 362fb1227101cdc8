// Network faults in experiment files: partitions (shapes after Jepsen's nemeses)
// and link faults between AZs (Toxiproxy's toxics). Parsed with the same Reader as
// the rest of the file, so every bad field is named with its path and a fix.
//
//   - kind: partition
//     shape: isolate-az          # isolate-node | isolate-az | majority-minority | bridge | random-halves
//     target: az:az1             # isolate-node / isolate-az only (default random-node / random-az)
//     one-way: true              # the first side cannot send to the second (the reverse still flows)
//     reject: true               # connections are reset (reset_peer) instead of hanging (blackhole)
//   - kind: latency              # latency | bandwidth | reset-peer | slow-close | limit-data | slicer
//     between: [az1, az2]        # or  from: az1  (az1 and every other AZ)
//     latency: 150ms
//     jitter: 50ms

import { Reader } from './validate.ts';

export const NODE_FAULT_KINDS = ['power-off', 'pause'] as const;
export const LINK_FAULT_KINDS = ['latency', 'bandwidth', 'reset-peer', 'slow-close', 'limit-data', 'slicer'] as const;
export type LinkFaultKind = (typeof LINK_FAULT_KINDS)[number];
export const NET_FAULT_KINDS = ['partition', ...LINK_FAULT_KINDS] as const;
export type NetFaultKind = (typeof NET_FAULT_KINDS)[number];
export const PARTITION_SHAPES = ['isolate-node', 'isolate-az', 'majority-minority', 'bridge', 'random-halves'] as const;
export type PartitionShape = (typeof PARTITION_SHAPES)[number];
export const STREAMS = ['downstream', 'upstream', 'both'] as const;

export const isNetKind = (k: string): k is NetFaultKind => (NET_FAULT_KINDS as readonly string[]).includes(k);

export interface PartitionSpec {
  readonly shape: PartitionShape;
  readonly oneWay: boolean;
  readonly reject: boolean;
}

export interface LinkSpec {
  /** Toxiproxy toxic type. */
  readonly toxic: 'latency' | 'bandwidth' | 'reset_peer' | 'slow_close' | 'limit_data' | 'slicer';
  /** The two AZ sets whose links are degraded: [[az1], [az2]] for `between`, [[az1], others] for `from`. */
  readonly between: readonly [readonly string[], readonly string[]] | undefined;
  readonly from: string | undefined;
  readonly stream: (typeof STREAMS)[number];
  /** Toxic attributes in Toxiproxy's units (ms, KB/s, bytes; slicer delay in microseconds). */
  readonly attributes: Readonly<Record<string, number>>;
}

/** Fields a fault of this kind may carry on top of kind/target/start/every/count/hold. */
export function netFields(kind: string): string[] {
  if (kind === 'partition') return ['shape', 'one-way', 'reject'];
  const common = ['between', 'from', 'stream'];
  switch (kind) {
    case 'latency': return [...common, 'latency', 'jitter'];
    case 'bandwidth': return [...common, 'rate'];
    case 'reset-peer': return [...common, 'timeout'];
    case 'slow-close': return [...common, 'delay'];
    case 'limit-data': return [...common, 'bytes'];
    case 'slicer': return [...common, 'average-size', 'size-variation', 'delay'];
    default: return [];
  }
}

export function parsePartition(r: Reader, f: Record<string, unknown>, path: string): PartitionSpec {
  const shape = r.oneOf(f.shape, `${path}.shape`, PARTITION_SHAPES, 'isolate-az') ?? 'isolate-az';
  return { shape, oneWay: r.bool(f['one-way'], `${path}.one-way`, false), reject: r.bool(f.reject, `${path}.reject`, false) };
}

export function parseLink(r: Reader, kind: LinkFaultKind, f: Record<string, unknown>, path: string): LinkSpec {
  const az = (v: unknown, p: string): string | undefined => r.str(v, p);
  let between: [string[], string[]] | undefined;
  let from: string | undefined;
  if (f.between !== undefined && f.from !== undefined) r.problem(`${path}.between`, 'and from are both given', 'keep one: between: [az1, az2] or from: az1');
  if (f.between !== undefined) {
    const l = r.list(f.between, `${path}.between`);
    if (l.length !== 2) r.problem(`${path}.between`, `needs exactly two AZs, got ${l.length}`, 'write between: [az1, az2]');
    else {
      const a = az(l[0], `${path}.between[0]`);
      const b = az(l[1], `${path}.between[1]`);
      if (a && b && a === b) r.problem(`${path}.between`, `names ${a} twice`, 'name two different AZs');
      if (a && b) between = [[a], [b]];
    }
  } else if (f.from !== undefined) from = az(f.from, `${path}.from`);
  else r.problem(path, `a ${kind} fault needs the links it degrades`, 'add between: [az1, az2] or from: az1');
  const stream = r.oneOf(f.stream, `${path}.stream`, STREAMS, 'both') ?? 'both';
  const ms = (k: string, d: number, positive = false): number => r.duration(f[k], `${path}.${k}`, { positive }, d) ?? d;
  const int = (k: string, d: number, min: number): number => r.num(f[k], `${path}.${k}`, { min, int: true }, d) ?? d;
  let toxic: LinkSpec['toxic'];
  let attributes: Record<string, number>;
  switch (kind) {
    case 'latency':
      toxic = 'latency';
      attributes = { latency: ms('latency', 100, true), jitter: ms('jitter', 0) };
      if (f.latency === undefined) r.problem(`${path}.latency`, 'is missing', 'add latency: 100ms (and optionally jitter: 20ms)');
      break;
    case 'bandwidth':
      toxic = 'bandwidth';
      attributes = { rate: int('rate', 0, 0) };
      if (f.rate === undefined) r.problem(`${path}.rate`, 'is missing', 'add rate: 64 (KB/s)');
      break;
    case 'reset-peer':
      toxic = 'reset_peer';
      attributes = { timeout: ms('timeout', 0) };
      break;
    case 'slow-close':
      toxic = 'slow_close';
      attributes = { delay: ms('delay', 1000) };
      break;
    case 'limit-data':
      toxic = 'limit_data';
      attributes = { bytes: int('bytes', 0, 0) };
      if (f.bytes === undefined) r.problem(`${path}.bytes`, 'is missing', 'add bytes: 1024 (the connection closes after that many bytes)');
      break;
    case 'slicer':
      toxic = 'slicer';
      attributes = { average_size: int('average-size', 64, 1), size_variation: int('size-variation', 0, 0), delay: Math.round(ms('delay', 0) * 1000) };
      break;
  }
  return { toxic, between, from, stream, attributes };
}
