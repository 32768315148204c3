/** The real `conntest-lab` binary, run to completion from the repository root. */
import { spawn, spawnSync } from "node:child_process";
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

/** The binary started in the background: its child (to signal it) and its outcome. */
export function startLab(args: string[]) {
  const child = spawn(process.execPath, [LAB_BIN, ...args], { cwd: ROOT });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done, output: () => stdout + stderr };
}
