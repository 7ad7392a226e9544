/** Control bytes (and DEL) written as \xNN, so that a message stays on one line of readable text. */
export function escapeControl(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** A piece of input quoted in a message: control bytes escaped, cut to `max` characters. */
export function shown(text: string, max = 40): string {
  const escaped = escapeControl(text);
  return escaped.length <= max ? `"${escaped}"` : `"${escaped.slice(0, max)}"... (${text.length} characters)`;
}

/** Longest reason printed: a message quoting a whole binary "line" must still fit on a screen. */
const MAX_REASON = 300;

/** A problem with the user's input, located by file and (where known) line; the CLI prints it as one line. */
export class InputError extends Error {
  readonly reason: string;
  constructor(
    readonly file: string,
    reason: string,
    readonly line?: number,
  ) {
    let text = escapeControl(reason);
    if (text.length > MAX_REASON) text = `${text.slice(0, MAX_REASON)}... (cut)`;
    super(`${escapeControl(file)}${line !== undefined ? `:${line}` : ''}: ${text}`);
    this.reason = text;
    this.name = 'InputError';
  }
}

/** A problem with the command line itself. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
