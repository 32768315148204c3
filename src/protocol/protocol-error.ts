/** Bad bytes from a peer. The connection that sent them is closed with `message` as the reason. */
export type ProtocolErrorCode =
  | "bad-magic"
  | "bad-version"
  | "unknown-type"
  | "frame-too-large"
  | "control-too-large"
  | "data-too-short"
  | "truncated"
  | "length-mismatch"
  | "bad-payload"
  | "unexpected";

export class ProtocolError extends Error {
  readonly code: ProtocolErrorCode;
  constructor(code: ProtocolErrorCode, message: string) {
    super(message);
    this.name = "ProtocolError";
    this.code = code;
  }
}
