#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { runAgentCli } from "../agent/cli.js";

const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as {
  version: string;
};
process.exitCode = await runAgentCli(process.argv.slice(2), {
  version: pkg.version,
  stdout: process.stdout,
  stderr: process.stderr,
});
