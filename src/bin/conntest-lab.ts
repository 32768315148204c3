#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runLabCli } from "../lab-cli/main.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, "utf8")) as { version: string };

/**
 * A reader that went away (`| head`, a pipe whose other end got the same
 * Ctrl-C) must not crash us in the middle of a teardown: from then on that
 * stream's output is dropped and the work goes on.
 */
function writer(stream: NodeJS.WriteStream): (text: string) => void {
  let open = true;
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE" || err.code === "ERR_STREAM_DESTROYED") open = false;
    else throw err;
  });
  return (text) => {
    if (open) stream.write(text);
  };
}

process.exitCode = await runLabCli(process.argv.slice(2), {
  root,
  version: pkg.version,
  out: writer(process.stdout),
  err: writer(process.stderr),
  isTTY: process.stdout.isTTY === true,
  terminal: { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
});
