/**
 * The Docker engine for integration tests: connected once per file, with
 * what earlier (perhaps killed) runs left of the file's labs removed by label.
 * Null where no engine answers; the tests then skip with a message.
 */
import type Docker from "dockerode";
import { removeLab } from "../../src/docker/apply.js";
import { connectEngine } from "../../src/docker/engine.js";

export async function removeLabs(docker: Docker, labs: readonly string[]): Promise<void> {
  for (const lab of labs) await removeLab(docker, lab, () => {});
}

export async function connectForLabs(labs: readonly string[]): Promise<Docker | null> {
  let docker: Docker;
  try {
    docker = await connectEngine();
  } catch {
    return null;
  }
  await removeLabs(docker, labs);
  return docker;
}
