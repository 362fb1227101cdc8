// Packet drops inside one container's network namespace, applied from the host with
// `nsenter -t <pid> -n` (the image needs no iptables; the host's binaries run in the
// container's namespace). Everything lives in the run's own chain, jumped to from
// INPUT; only that chain and that jump are ever written or removed.
//
// Drops are made on the receiving side (INPUT, by source address): a sender whose
// packets vanish sees a timeout, as on a real partition, where an OUTPUT drop can
// surface as an immediate error in the sender instead.

import { run } from './runtime.ts';

export class NetnsError extends Error {
  override readonly name = 'NetnsError';
  constructor(
    message: string,
    readonly pid: number,
    readonly output: string,
  ) {
    super(`${message} (namespace of pid ${pid}): ${output.trim()}`);
  }
}

const ensureJump = (chain: string): string =>
  `iptables -w -N ${chain} 2>/dev/null; iptables -w -C INPUT -j ${chain} 2>/dev/null || iptables -w -I INPUT 1 -j ${chain} || exit 3`;

export interface Drop {
  /** IPv4 address whose packets are dropped */
  readonly ip: string;
  /** answer TCP with a reset (the sender sees a refusal) instead of dropping silently */
  readonly reject?: boolean;
}

const rulesFor = (chain: string, d: Drop): string[] =>
  d.reject
    ? [
        // resets pass, so that the other direction's refusal reaches the sender of a two-way reject
        `-A ${chain} -s ${d.ip}/32 -p tcp --tcp-flags RST RST -j RETURN`,
        `-A ${chain} -s ${d.ip}/32 -p tcp -j REJECT --reject-with tcp-reset`,
        `-A ${chain} -s ${d.ip}/32 -j DROP`,
      ]
    : [`-A ${chain} -s ${d.ip}/32 -j DROP`];

/**
 * Makes the run's chain in the namespace of `pid` drop exactly the packets from
 * `drops`, atomically (one iptables-restore). Idempotent.
 */
export async function writeDrops(pid: number, chain: string, drops: readonly Drop[]): Promise<void> {
  const sorted = [...drops].sort((a, b) => a.ip.localeCompare(b.ip));
  const rules = ['*filter', `:${chain} - [0:0]`, ...sorted.flatMap((d) => rulesFor(chain, d)), 'COMMIT', ''];
  const script = `${ensureJump(chain)}; iptables-restore -w --noflush`;
  const r = await run('nsenter', ['-t', String(pid), '-n', 'sh', '-c', script], { input: rules.join('\n') });
  if (r.code !== 0) throw new NetnsError(`cannot write chain ${chain}`, pid, r.stderr || `exit ${r.code}`);
}

/** Removes the run's chain and its jumps from the namespace of `pid`. Idempotent; says whether there was one. */
export async function removeChain(pid: number, chain: string): Promise<boolean> {
  const script = [
    `while iptables -w -D INPUT -j ${chain} 2>/dev/null; do :; done`,
    `while iptables -w -D OUTPUT -j ${chain} 2>/dev/null; do :; done`,
    `if iptables -w -L ${chain} -n >/dev/null 2>&1; then iptables -w -F ${chain} && iptables -w -X ${chain} && echo removed || exit 3; fi`,
  ].join('; ');
  const r = await run('nsenter', ['-t', String(pid), '-n', 'sh', '-c', script]);
  if (r.code !== 0) throw new NetnsError(`cannot remove chain ${chain}`, pid, r.stderr || `exit ${r.code}`);
  return r.stdout.includes('removed');
}

/** Does the namespace of `pid` hold the run's chain? (for tests and `heal`) */
export async function hasChain(pid: number, chain: string): Promise<boolean> {
  const r = await run('nsenter', ['-t', String(pid), '-n', 'iptables', '-w', '-S', chain]);
  return r.code === 0;
}
