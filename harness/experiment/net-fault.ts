// Network faults in experiment files: partitions (shapes after Jepsen's nemeses)
// and link faults between AZs (Toxiproxy's toxics), as the fields each kind adds to
// a fault entry (harness/experiment/schema.ts has the fields every fault has).
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

import { z } from 'zod';
import { duration, num, text } from './fields.ts';
import { said } from './problems.ts';

export const NODE_FAULT_KINDS = ['power-off', 'pause'] as const;
export const LINK_FAULT_KINDS = ['latency', 'bandwidth', 'reset-peer', 'slow-close', 'limit-data', 'slicer'] as const;
export type LinkFaultKind = (typeof LINK_FAULT_KINDS)[number];
export const NET_FAULT_KINDS = ['partition', ...LINK_FAULT_KINDS] as const;
export const PARTITION_SHAPES = ['isolate-node', 'isolate-az', 'majority-minority', 'bridge', 'random-halves'] as const;
export type PartitionShape = (typeof PARTITION_SHAPES)[number];
export const STREAMS = ['downstream', 'upstream', 'both'] as const;

/** The fields of a partition entry beside kind/target/start/every/count/hold. */
export const partitionFields = {
  shape: z.enum(PARTITION_SHAPES).default('isolate-az').meta({ description: 'which nodes are cut off from which' }),
  'one-way': z.boolean().default(false).meta({ description: 'the first side cannot send to the second (the reverse still flows)' }),
  reject: z.boolean().default(false).meta({ description: 'connections are reset (reset_peer) instead of hanging (blackhole)' }),
};

const az = text().meta({ description: 'an AZ of the target, e.g. az1' });
/** The fields every link fault has: which links, and which direction of their data. */
const linkFields = (kind: LinkFaultKind) => ({
  target: z.never({ error: said(`is not used by ${kind}`, 'name the links with between: [az1, az2] or from: az1') }).optional(),
  between: z
    .array(az)
    .check((ctx) => {
      const l = ctx.value;
      if (l.length !== 2) ctx.issues.push({ code: 'custom', input: l, message: said(`needs exactly two AZs, got ${l.length}`, 'write between: [az1, az2]') });
      else if (l[0] === l[1]) ctx.issues.push({ code: 'custom', input: l, message: said(`names ${l[0]} twice`, 'name two different AZs') });
    })
    .optional()
    .meta({ description: 'the links between these two AZs' }),
  from: az.optional().meta({ description: 'the links between this AZ and every other' }),
  stream: z.enum(STREAMS).default('both').meta({ description: 'downstream (to the caller), upstream (to the callee) or both' }),
});

const ms = (d: number) => duration().default(d);
/** Each link fault kind's own fields (Toxiproxy's toxic attributes, in the file's units). */
export const linkKindFields = {
  latency: { ...linkFields('latency'), latency: duration({ positive: true, missing: 'add latency: 100ms (and optionally jitter: 20ms)' }), jitter: ms(0) },
  bandwidth: { ...linkFields('bandwidth'), rate: num({ min: 0, int: true, missing: 'add rate: 64 (KB/s)' }).meta({ description: 'KB/s' }) },
  'reset-peer': { ...linkFields('reset-peer'), timeout: ms(0) },
  'slow-close': { ...linkFields('slow-close'), delay: ms(1000) },
  'limit-data': { ...linkFields('limit-data'), bytes: num({ min: 0, int: true, missing: 'add bytes: 1024 (the connection closes after that many bytes)' }) },
  slicer: {
    ...linkFields('slicer'),
    'average-size': num({ min: 1, int: true }).default(64),
    'size-variation': num({ min: 0, int: true }).default(0),
    delay: ms(0),
  },
} as const;

type LinkEntry = { [K in LinkFaultKind]: { kind: K } & z.output<z.ZodObject<(typeof linkKindFields)[K]>> }[LinkFaultKind];

/** A link fault must name the links it degrades, one way or the other. */
export function checkLinks(
  f: { kind: LinkFaultKind; between?: string[] | undefined; from?: string | undefined },
  issue: (path: string[], message: string, fix: string) => void,
): void {
  if (f.between !== undefined && f.from !== undefined) issue(['between'], 'and from are both given', 'keep one: between: [az1, az2] or from: az1');
  else if (f.between === undefined && f.from === undefined) issue([], `a ${f.kind} fault needs the links it degrades`, 'add between: [az1, az2] or from: az1');
}

/** The toxic of a parsed link fault entry. */
export function toLink(f: LinkEntry): LinkSpec {
  const links = { between: f.between ? ([[f.between[0] as string], [f.between[1] as string]] as const) : undefined, from: f.from, stream: f.stream };
  switch (f.kind) {
    case 'latency':
      return { toxic: 'latency' as const, ...links, attributes: { latency: f.latency, jitter: f.jitter } };
    case 'bandwidth':
      return { toxic: 'bandwidth' as const, ...links, attributes: { rate: f.rate } };
    case 'reset-peer':
      return { toxic: 'reset_peer' as const, ...links, attributes: { timeout: f.timeout } };
    case 'slow-close':
      return { toxic: 'slow_close' as const, ...links, attributes: { delay: f.delay } };
    case 'limit-data':
      return { toxic: 'limit_data' as const, ...links, attributes: { bytes: f.bytes } };
    case 'slicer':
      return {
        toxic: 'slicer' as const,
        ...links,
        attributes: { average_size: f['average-size'], size_variation: f['size-variation'], delay: Math.round(f.delay * 1000) },
      };
  }
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

export interface PartitionSpec {
  readonly shape: PartitionShape;
  readonly oneWay: boolean;
  readonly reject: boolean;
}
