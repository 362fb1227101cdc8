// Errors of the HTTP API, shaped as Toxiproxy returns them: {"error": "...", "status": N}.

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }

  toJSON(): { error: string; status: number } {
    return { error: this.message, status: this.status };
  }

  /** The same kind of error with a detail appended, as Toxiproxy's "bad request body: ...". */
  with(detail: string): ApiError {
    return new ApiError(`${this.message}: ${detail}`, this.status);
  }
}

export const Errors = {
  badRequestBody: new ApiError('bad request body', 400),
  missingField: new ApiError('missing required field', 400),
  proxyNotFound: new ApiError('proxy not found', 404),
  proxyAlreadyExists: new ApiError('proxy already exists', 409),
  invalidStream: new ApiError('stream was invalid, can be either upstream or downstream', 400),
  invalidToxicType: new ApiError('invalid toxic type', 400),
  toxicAlreadyExists: new ApiError('toxic already exists', 409),
  toxicNotFound: new ApiError('toxic not found', 404),
  notFound: new ApiError('not found', 404),
  methodNotAllowed: new ApiError('method not allowed', 405),
} as const;

/** A failed POST /populate: Toxiproxy answers with the proxies it made before the failure too (null: none). */
export class PopulateError extends ApiError {
  constructor(
    cause: ApiError,
    readonly proxies: readonly unknown[] | null,
  ) {
    super(cause.message, cause.status);
  }
}

/** Node's error codes for a failed listen, as Go's net package words them ("listen tcp host:port: bind: ..."). */
export function listenErrorText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const code = err.code ?? /\b(E[A-Z]+)\b/.exec(String(err.message))?.[1];
  const words: Record<string, string> = {
    EADDRINUSE: 'bind: address already in use',
    EACCES: 'bind: permission denied',
    EADDRNOTAVAIL: 'bind: cannot assign requested address',
  };
  return (code !== undefined ? words[code] : undefined) ?? String(err.message);
}
