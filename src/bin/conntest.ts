#!/usr/bin/env node
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
