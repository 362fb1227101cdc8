// What a toxic is, as the HTTP API sees it: name, type, stream, toxicity and
// attributes, parsed and validated from request bodies the way Toxiproxy 2.x
// does (stream defaults to downstream, toxicity to 1, name to "<type>_<stream>").
import { ApiError, Errors } from './api-error.ts';

export const TOXIC_ATTRIBUTES = {
  latency: ['latency', 'jitter'],
  bandwidth: ['rate'],
  slow_close: ['delay'],
  timeout: ['timeout'],
  reset_peer: ['timeout'],
  slicer: ['average_size', 'size_variation', 'delay'],
  limit_data: ['bytes'],
} as const satisfies Record<string, readonly string[]>;

export type ToxicType = keyof typeof TOXIC_ATTRIBUTES;
export type Stream = 'upstream' | 'downstream';
export type Attributes = Readonly<Record<string, number>>;

/** An immutable toxic; an update makes a new one, so links can tell old from new. */
export interface ToxicSpec {
  readonly name: string;
  readonly type: ToxicType;
  readonly stream: Stream;
  /** The stream as the request wrote it ("UPSTREAM"): Toxiproxy matches it in any case and shows it as written. */
  readonly streamText?: string;
  readonly toxicity: number;
  readonly attributes: Attributes;
}

/** A plain JSON object (not null, not an array). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isToxicType(t: unknown): t is ToxicType {
  return typeof t === 'string' && Object.hasOwn(TOXIC_ATTRIBUTES, t);
}

function parseToxicity(v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) {
    throw Errors.badRequestBody.with('toxicity must be a number from 0 to 1');
  }
  return v;
}

/** Known attributes of the type, defaulting to `base` (then 0); unknown keys are ignored, as in Go. */
function parseAttributes(type: ToxicType, v: unknown, base: Attributes): Attributes {
  if (v !== undefined && v !== null && !isRecord(v)) throw Errors.badRequestBody.with('attributes must be an object');
  const out: Record<string, number> = {};
  for (const key of TOXIC_ATTRIBUTES[type]) {
    const raw = v?.[key] ?? base[key] ?? 0;
    if (typeof raw !== 'number' || !Number.isSafeInteger(raw) || raw < 0) {
      throw Errors.badRequestBody.with(`attributes.${key} must be a non-negative integer`);
    }
    out[key] = raw;
  }
  if (type === 'slicer' && (out['average_size'] ?? 0) < 1) {
    throw Errors.badRequestBody.with('attributes.average_size must be at least 1');
  }
  return out;
}

/** Parses the body of POST /proxies/{proxy}/toxics. */
export function parseToxicCreate(body: unknown): ToxicSpec {
  if (!isRecord(body)) throw Errors.badRequestBody.with('expected a JSON object');
  const streamRaw = body['stream'] ?? 'downstream';
  const stream = typeof streamRaw === 'string' ? streamRaw.toLowerCase() : streamRaw;
  if (stream !== 'upstream' && stream !== 'downstream') throw Errors.invalidStream;
  const streamText = streamRaw as string;
  const type = body['type'];
  if (!isToxicType(type)) throw Errors.invalidToxicType;
  const nameRaw = body['name'];
  if (nameRaw !== undefined && nameRaw !== null && typeof nameRaw !== 'string') {
    throw Errors.badRequestBody.with('name must be a string');
  }
  const name = nameRaw ? nameRaw : `${type}_${streamText}`;
  return {
    name,
    type,
    stream,
    ...(streamText === stream ? {} : { streamText }),
    toxicity: parseToxicity(body['toxicity'], 1),
    attributes: parseAttributes(type, body['attributes'], {}),
  };
}

/** Parses the body of POST /proxies/{proxy}/toxics/{toxic}: only attributes and toxicity change. */
export function parseToxicUpdate(old: ToxicSpec, body: unknown): ToxicSpec {
  if (!isRecord(body)) throw Errors.badRequestBody.with('expected a JSON object');
  return {
    ...old,
    toxicity: parseToxicity(body['toxicity'], old.toxicity),
    attributes: parseAttributes(old.type, body['attributes'], old.attributes),
  };
}

/** The JSON Toxiproxy returns for a toxic. */
export function toxicJson(t: ToxicSpec): Record<string, unknown> {
  return { attributes: t.attributes, name: t.name, type: t.type, stream: t.streamText ?? t.stream, toxicity: t.toxicity };
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}
