/** Docker's log stream framing (non-TTY containers): stdout and stderr interleaved in frames. */
/**
 * Splits a non-TTY log buffer: frames of [stream, 0, 0, 0, size u32 BE, bytes].
 * A partial frame at the end is ignored.
 */
export function demuxLogBuffer(buf: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buf.length) {
    const kind = buf.readUInt8(offset);
    const size = buf.readUInt32BE(offset + 4);
    const body = buf.subarray(offset + 8, offset + 8 + size);
    if (body.length < size) break;
    (kind === 2 ? err : out).push(body);
    offset += 8 + size;
  }
  return {
    stdout: Buffer.concat(out).toString("utf8"),
    stderr: Buffer.concat(err).toString("utf8"),
  };
}
