/**
 * The step before `npm test` and `npm run lab`: a Docker engine must answer.
 * Silent when one does; otherwise netsetup/ensure-docker.sh sets one up
 * (Debian's docker.io, sudo where needed) and says what it installs. Where
 * that cannot be done, one line says what to run by hand and the exit code
 * is 1 (the line the lab and the tests would print, from src/runtimes/docker/engine).
 * With DOCKER_HOST set nothing is started: the user pointed elsewhere.
 */
import { spawnSync } from "node:child_process";
import { request } from "node:http";
import { fileURLToPath } from "node:url";
import type { EngineUnavailable } from "../src/runtimes/docker/engine.js";

// Run from dist/netsetup/; the script stays in the checkout's netsetup/.
const ENSURE = fileURLToPath(new URL("../../netsetup/ensure-docker.sh", import.meta.url));
const PREFIX = "need-engine:";

/**
 * The common case without loading dockerode, which costs about 0.1 s more on
 * every `npm run lab`: a local socket that answers /_ping. False for anything
 * else (tcp://, ssh://), which dockerode then asks.
 */
function socketAnswers(): Promise<boolean> {
  const host = process.env.DOCKER_HOST;
  if (host && !host.startsWith("unix://")) return Promise.resolve(false);
  const socketPath = host ? host.slice("unix://".length) : "/var/run/docker.sock";
  return new Promise((resolve) => {
    const req = request({ socketPath, path: "/_ping", timeout: 3_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}

/** Null when an engine answers; else the one line of why, as the lab and the tests would say it. */
async function unavailable(): Promise<EngineUnavailable | null> {
  if (await socketAnswers()) return null;
  const { connectEngine, EngineUnavailable } = await import("../src/runtimes/docker/engine.js");
  try {
    await connectEngine(3_000);
    return null;
  } catch (err) {
    if (err instanceof EngineUnavailable) return err;
    throw err;
  }
}

async function main(): Promise<number> {
  const first = await unavailable();
  if (!first) return 0;
  // Another engine (DOCKER_HOST) or one that refuses this user: a local set-up would not help.
  if (process.env.DOCKER_HOST || first.reason === "EACCES") {
    console.error(`${PREFIX} ${first.message}`);
    return 1;
  }
  // ensure-docker.sh says what it installs and starts, or prints the one line and exits 1.
  const run = spawnSync("bash", [ENSURE], { stdio: "inherit" });
  if (run.error) {
    console.error(
      `${PREFIX} cannot run bash ${ENSURE} (${run.error.message}); start a Docker engine by hand`,
    );
    return 1;
  }
  if (run.status !== 0) return run.status ?? 1;
  const again = await unavailable();
  if (again) {
    console.error(`${PREFIX} ${again.message}`);
    return 1;
  }
  return 0;
}

process.exitCode = await main();
