#!/usr/bin/env -S node --no-incremental-marking --expose-gc
// --no-incremental-marking: under a bulk receive (a fresh 64 KB buffer per
// socket read) V8 kept restarting incremental marking once the heap had
// settled, about every 20 ms, and its concurrent markers took a core from the
// kernel's TCP work: a long-running receiver served every bandwidth session
// after its first at half the rate. Without it a full collection of this
// small heap is one pause of about 10 ms, seldom (bench/README.md, "TCP").
// --expose-gc: without incremental marking V8 no longer shrinks a heap that a
// flood made grow, so the agent does (src/agent/heap-trimmer.ts).
import { readFileSync } from "node:fs";
import { internalError, runAgentCli } from "../agent/cli.js";
import { EXIT } from "../agent/exit-codes.js";

const die = (err: unknown) => {
  process.stderr.write(`conntest: ${internalError(err)}\n`);
  process.exit(EXIT.software);
};
process.on("uncaughtException", die);
process.on("unhandledRejection", die);

const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as {
  version: string;
};
process.exitCode = await runAgentCli(process.argv.slice(2), {
  version: pkg.version,
  stdout: process.stdout,
  stderr: process.stderr,
});
