/**
 * A bad command-line argument. `message` is one line that names the argument and says what
 * was expected; the caller prefixes it with "conntest: " and exits with EXIT.usage.
 */
export class UsageError extends Error {
  override name = "UsageError";

  constructor(
    /** The argument at fault: a flag ("--connect") or a URI option ("packet-size"). */
    readonly argument: string,
    message: string,
  ) {
    super(message);
  }
}

/** Quotes a user-given value for an error message; JSON escapes keep the message on one line. */
export function quote(text: string): string {
  return JSON.stringify(text);
}
