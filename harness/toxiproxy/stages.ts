// One stage per active toxic in a link's chain. A stage receives each chunk
// (with the time it arrived at the proxy) and passes what is left of it to
// `next`, after waiting, slicing, holding or dropping as its toxic says. A
// stage that ends the connection asks the link (`LinkControl`) to do so.
import type { Rng } from '../schedule/rng.ts';
import type { ToxicSpec } from './toxic-spec.ts';

export type Next = (buf: Buffer, arrived: number) => Promise<void> | void;

/** What a stage may ask of the link that runs it. */
export interface LinkControl {
  /** Resolves after `ms` (immediately when ms <= 0); never resolves once the link is closed. */
  sleep(ms: number): Promise<void>;
  /** Resolves at the next change of the link's toxics (or never, once closed). */
  changed(): Promise<void>;
  /** Whether this stage is still part of the link's chain. */
  has(stage: Stage): boolean;
  /** Graceful close of both sides of the connection (FIN). */
  close(): void;
  /** Abortive close of both sides (RST). */
  reset(): void;
  readonly rng: Rng;
}

export interface Stage {
  readonly spec: ToxicSpec;
  data(buf: Buffer, arrived: number, next: Next): Promise<void> | void;
  /** Called when the source side ends, before the end is passed on. */
  end?(): Promise<void> | void;
  /** Called when the stage leaves the chain (toxic removed or updated, link closed). */
  dispose?(): void;
}

const attr = (spec: ToxicSpec, key: string): number => spec.attributes[key] ?? 0;

function latency(spec: ToxicSpec, link: LinkControl): Stage {
  const base = attr(spec, 'latency');
  const jitter = attr(spec, 'jitter');
  return {
    spec,
    async data(buf, arrived, next) {
      const delay = jitter > 0 ? base + Math.round((link.rng.next() * 2 - 1) * jitter) : base;
      await link.sleep(arrived + delay - performance.now());
      await next(buf, arrived);
    },
  };
}

function bandwidth(spec: ToxicSpec, link: LinkControl): Stage {
  const rate = attr(spec, 'rate'); // KB/s, 1 KB = 1000 bytes as in Toxiproxy; 0 = unlimited
  const piece = rate * 100; // bytes per 100 ms
  let nextAt = 0;
  return {
    spec,
    async data(buf, arrived, next) {
      if (rate <= 0) return next(buf, arrived);
      for (let off = 0; off < buf.length; off += piece) {
        const part = buf.subarray(off, off + piece);
        nextAt = Math.max(nextAt, performance.now()) + part.length / rate;
        await link.sleep(nextAt - performance.now());
        await next(part, arrived);
      }
    },
  };
}

function slicer(spec: ToxicSpec, link: LinkControl): Stage {
  const avg = Math.max(1, attr(spec, 'average_size'));
  const variation = Math.min(attr(spec, 'size_variation'), avg - 1);
  const delayMs = attr(spec, 'delay') / 1000; // microseconds in the API
  return {
    spec,
    async data(buf, arrived, next) {
      let off = 0;
      while (off < buf.length) {
        const size = avg + Math.round((link.rng.next() * 2 - 1) * variation);
        const end = Math.min(buf.length, off + Math.max(1, size));
        await next(buf.subarray(off, end), arrived);
        off = end;
        if (off < buf.length && delayMs > 0) await link.sleep(delayMs);
      }
    },
  };
}

/** timeout 0 holds every chunk while the toxic is in force (a blackhole that TCP would
 *  retransmit through after the heal); timeout > 0 drops data and closes after it. */
function timeout(spec: ToxicSpec, link: LinkControl): Stage {
  const ms = attr(spec, 'timeout');
  const timer = ms > 0 ? setTimeout(() => link.close(), ms) : undefined;
  const stage: Stage = {
    spec,
    async data(buf, arrived, next) {
      if (ms > 0) return; // dropped on the floor
      while (link.has(stage)) await link.changed();
      await next(buf, arrived);
    },
    dispose: () => clearTimeout(timer),
  };
  return stage;
}

/** Data arriving while the toxic is in force starts the countdown; then RST both sides. */
function resetPeer(spec: ToxicSpec, link: LinkControl): Stage {
  const ms = attr(spec, 'timeout');
  let timer: NodeJS.Timeout | undefined;
  return {
    spec,
    data() {
      if (timer !== undefined) return;
      if (ms <= 0) link.reset();
      else timer = setTimeout(() => link.reset(), ms);
    },
    dispose: () => clearTimeout(timer),
  };
}

function limitData(spec: ToxicSpec, link: LinkControl): Stage {
  const limit = attr(spec, 'bytes');
  let passed = 0;
  return {
    spec,
    async data(buf, arrived, next) {
      const room = limit - passed;
      if (room > 0) {
        const part = buf.length > room ? buf.subarray(0, room) : buf;
        passed += part.length;
        await next(part, arrived);
      }
      if (passed >= limit) link.close();
    },
  };
}

function slowClose(spec: ToxicSpec, link: LinkControl): Stage {
  return {
    spec,
    data: (buf, arrived, next) => next(buf, arrived),
    end: () => link.sleep(attr(spec, 'delay')),
  };
}

const FACTORIES: Record<ToxicSpec['type'], (spec: ToxicSpec, link: LinkControl) => Stage> = {
  latency,
  bandwidth,
  slicer,
  timeout,
  reset_peer: resetPeer,
  limit_data: limitData,
  slow_close: slowClose,
};

export function createStage(spec: ToxicSpec, link: LinkControl): Stage {
  return FACTORIES[spec.type](spec, link);
}
