/**
 * The Docker engine for integration tests: connected once per file, with
 * what earlier (perhaps killed) runs left of the file's labs removed by label.
 * No engine fails the file's tests with the one-line fix: a run that skipped
 * the lab tests must not look green. Only an agent-only run (`npm run
 * test:agent`, CONNTEST_TESTS=agent) skips them, and says so.
 */
import type Docker from "dockerode";
import { removeLab } from "../../src/runtimes/docker/apply.js";
import { connectEngine, EngineUnavailable } from "../../src/runtimes/docker/engine.js";
import { AGENT_ONLY } from "./test-mode.js";

export const SKIP_AGENT_ONLY = "agent-only run (npm run test:agent): needs a Docker engine";

export async function removeLabs(docker: Docker, labs: readonly string[]): Promise<void> {
  for (const lab of labs) await removeLab(docker, lab, () => {});
}

/** Null only in an agent-only run; otherwise the engine, or EngineUnavailable thrown. */
export async function connectForLabs(labs: readonly string[]): Promise<Docker | null> {
  if (AGENT_ONLY) return null;
  let docker: Docker;
  try {
    docker = await connectEngine();
  } catch (err) {
    // The one line is the whole story: no stack under it in the test report.
    if (err instanceof EngineUnavailable) err.stack = `${err.name}: ${err.message}`;
    throw err;
  }
  await removeLabs(docker, labs);
  return docker;
}
