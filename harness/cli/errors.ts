// Errors a user can cause: a bad experiment file, an unknown option, a missing tool.
// They name what is wrong (and where) and how to fix it, and end the command with
// exit code 2 before anything is started.

export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    /** What to do about it, one sentence. */
    readonly fix: string,
    /** Path to the field or file at fault, e.g. "experiments/x.yaml: chaos.faults[1].kind". */
    readonly where?: string,
  ) {
    super(message);
  }

  format(): string {
    const at = this.where ? `${this.where}: ` : '';
    return `error: ${at}${this.message}\n  fix: ${this.fix}`;
  }
}

export const EXIT = { ok: 0, failed: 1, usage: 2, unknown: 3, interrupted: 130 } as const;
