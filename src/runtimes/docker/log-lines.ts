import type { Readable } from "node:stream";

/** A line without its end this long is cut: a log stream's text must not grow without bound. */
const LONGEST_LINE = 1 << 16;

/** Splits a byte stream into text lines; a partial last line waits for the rest. */
export function onLines(stream: Readable, each: (line: string) => void): void {
  let rest = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    const parts = (rest + chunk).split("\n");
    rest = parts.pop() ?? "";
    if (rest.length > LONGEST_LINE) rest = "";
    for (const p of parts) each(p);
  });
}
