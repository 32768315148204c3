/** The real `conntest-lab` binary, run to completion from the repository root. */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const LAB_BIN = `${ROOT}dist/src/bin/conntest-lab.js`;

export function runLab(args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 240_000) {
  const r = spawnSync(process.execPath, [LAB_BIN, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: timeoutMs,
    env,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
