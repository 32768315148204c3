/**
 * The image of a simulated host: Debian's Docker engine on the agent's base image
 * (netsetup/cluster-host/). Its tag is a hash of that folder, so a changed start script gets a
 * new image; built once, about 35 s here (apt fetches docker.io during the build).
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type Docker from "dockerode";
import { ensureBase, followBuild, imageExists, type Progress } from "./agent-image.js";
import { LABEL, TOOL } from "./labels.js";

const CONTEXT = "netsetup/cluster-host";

function contextHash(root: string): string {
  const hash = createHash("sha256");
  for (const file of readdirSync(join(root, CONTEXT)).sort()) {
    hash.update(file);
    hash.update(readFileSync(join(root, CONTEXT, file)));
  }
  return hash.digest("hex").slice(0, 12);
}

/** Builds (if needed) and returns the simulated host's image name. */
export async function ensureClusterHostImage(
  docker: Docker,
  root: string,
  version: string,
  progress: Progress,
): Promise<string> {
  const tag = `conntest-lab/cluster-host:${contextHash(root)}`;
  if (await imageExists(docker, tag)) return tag;
  const base = await ensureBase(docker, root, progress);
  progress(`building ${tag} on ${base}: Debian's docker.io (about 35 s, once)`);
  const stream = await docker.buildImage(
    { context: join(root, CONTEXT), src: readdirSync(join(root, CONTEXT)) },
    {
      t: tag,
      buildargs: { BASE: base },
      labels: { [LABEL.tool]: TOOL, [LABEL.role]: "cluster-host-image", [LABEL.version]: version },
      rm: true,
    },
  );
  await followBuild(docker, stream, progress);
  return tag;
}
