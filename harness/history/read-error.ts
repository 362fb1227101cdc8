// A history file that cannot be read: names the file and line at fault.
export class HistoryFormatError extends Error {
  override readonly name = 'HistoryFormatError';
  constructor(
    message: string,
    readonly file: string,
    readonly line: number,
  ) {
    super(`${file}:${line}: ${message}`);
  }
}
