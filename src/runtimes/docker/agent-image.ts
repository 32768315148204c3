/**
 * The agent's image, built when missing or out of date. Its tag is a hash of
 * what goes into it (Dockerfile, lock file, built agent), so a rebuilt agent
 * gets a new image and an unchanged one is reused.
 *
 * The base is the Dockerfile's default public Node image; where no registry
 * answers, an equivalent base is built from Debian packages
 * (netsetup/build-base-image.sh) and the user is told so. The native addon is
 * compiled in the Dockerfile's build stage, on a builder image found or made
 * the same way (Node with its headers, node-gyp, a compiler).
 */
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import type Docker from "dockerode";
import { LABEL, TOOL } from "./labels.js";

export const PUBLIC_BASE = "node:20-bookworm-slim";
/** Its tag changes with what is in it (-2: ping, traceroute and tcpdump too), so an older one is not taken for it. */
export const OFFLINE_BASE = "conntest-base:trixie-2";
/** The build stage's image: the public one has python3, make, g++ and npm's node-gyp. */
export const PUBLIC_BUILDER = "node:20-bookworm";
export const OFFLINE_BUILDER = "conntest-build:trixie";
const PULL_TIMEOUT_MS = 30_000;

export type Progress = (line: string) => void;

/** What the build stage compiles the native addon from: its sources, and the script that builds it. */
function nativeParts(root: string): string[] {
  const sources = readdirSync(join(root, "native"))
    .filter((f) => f === "binding.gyp" || f.endsWith(".c") || f.endsWith(".h"))
    .map((f) => `native/${f}`)
    .sort();
  return [...sources, "netsetup/build-addon.mjs"];
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]))
    .sort();
}

/** A hash of everything the image is made of. */
export function contentHash(root: string): string {
  const hash = createHash("sha256");
  const files = [
    join(root, "Dockerfile"),
    join(root, "package-lock.json"),
    ...filesUnder(join(root, "dist/src")),
    ...nativeParts(root).map((p) => join(root, p)),
  ];
  for (const file of files) {
    if (file.endsWith(".map")) continue;
    hash.update(relative(root, file));
    hash.update(readFileSync(file));
  }
  return hash.digest("hex").slice(0, 12);
}

export async function imageExists(docker: Docker, name: string): Promise<boolean> {
  try {
    await docker.getImage(name).inspect();
    return true;
  } catch {
    return false;
  }
}

/** Waits for a pull or build stream to end; rejects on an error in the stream (dockerode resolves at its start). */
export function followBuild(
  docker: Docker,
  stream: NodeJS.ReadableStream,
  progress: Progress,
): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null, output: { error?: string }[]) => {
        const failed = err ?? output.find((o) => o.error);
        if (failed)
          reject(new Error(err ? err.message : String((failed as { error: string }).error)));
        else resolve();
      },
      (event: { stream?: string; status?: string; progress?: string; error?: string }) => {
        const text = (
          event.stream ?? [event.status, event.progress].filter(Boolean).join(" ")
        ).trim();
        // the builder's "---> id" and cleanup chatter say nothing to a user
        if (text && !text.startsWith("--->") && !text.startsWith("Removing intermediate"))
          progress(text);
      },
    );
  });
}

async function tryPull(docker: Docker, image: string, progress: Progress): Promise<boolean> {
  try {
    const stream = await docker.pull(image);
    await Promise.race([
      followBuild(docker, stream, progress),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error("timed out")), PULL_TIMEOUT_MS).unref(),
      ),
    ]);
    return true;
  } catch (err) {
    progress(`cannot pull ${image}: ${(err as Error).message.split("\n")[0]}`);
    return false;
  }
}

function runScript(script: string, args: string[], progress: Progress): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let tail = "";
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n")) {
        if (line.trim()) progress(line.trim());
        tail = line || tail;
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`${script} failed: ${tail}`)),
    );
  });
}

/** The base to build on: the public one if it is here or can be pulled, else the offline one. */
export async function ensureBase(
  docker: Docker,
  root: string,
  progress: Progress,
): Promise<string> {
  if (await imageExists(docker, PUBLIC_BASE)) return PUBLIC_BASE;
  if (await imageExists(docker, OFFLINE_BASE)) return OFFLINE_BASE;
  progress(`base image ${PUBLIC_BASE} is not here; pulling it`);
  if (await tryPull(docker, PUBLIC_BASE, progress)) return PUBLIC_BASE;
  progress(
    `no registry answers: building ${OFFLINE_BASE} from Debian packages instead (about a minute)`,
  );
  await runScript(join(root, "netsetup/build-base-image.sh"), [OFFLINE_BASE], progress);
  return OFFLINE_BASE;
}

/**
 * The image the addon is compiled in: the public builder beside the public base (here or
 * pulled), else the one built from Debian packages. Where none can be had, the base itself:
 * it has no compiler, so the image comes without the addon and the agent says so.
 */
export async function ensureBuilder(
  docker: Docker,
  root: string,
  base: string,
  progress: Progress,
): Promise<string> {
  if (base === PUBLIC_BASE) {
    if (await imageExists(docker, PUBLIC_BUILDER)) return PUBLIC_BUILDER;
    progress(`builder image ${PUBLIC_BUILDER} (compiles the native addon) is not here; pulling it`);
    if (await tryPull(docker, PUBLIC_BUILDER, progress)) return PUBLIC_BUILDER;
  }
  if (await imageExists(docker, OFFLINE_BUILDER)) return OFFLINE_BUILDER;
  progress(
    `building ${OFFLINE_BUILDER} from Debian packages, to compile the native addon in (once, a minute or two)`,
  );
  try {
    await runScript(
      join(root, "netsetup/build-base-image.sh"),
      [OFFLINE_BUILDER, "builder"],
      progress,
    );
    return OFFLINE_BUILDER;
  } catch (err) {
    progress(
      `cannot build ${OFFLINE_BUILDER} (${(err as Error).message}): the agent image comes without the native addon`,
    );
    return base;
  }
}

/** Production dependencies only: `npm ls --omit=dev` names the folders. */
async function productionModules(root: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)(
    "npm",
    ["ls", "--omit=dev", "--parseable", "--all"],
    {
      cwd: root,
      maxBuffer: 16 << 20,
    },
  );
  return stdout
    .split("\n")
    .map((p) => p.trim())
    .filter((p) => p.includes(`${join(root, "node_modules")}/`))
    .map((p) => relative(root, p));
}

/** Images built this recently stay: another checkout may be about to start containers from one. */
export const KEEP_RECENT_IMAGES_S = 3600;

/**
 * Removes this tool's images of `role` other than `keep` that are older than
 * `keepRecentS`. The engine refuses to remove one a container (even a
 * stopped one) or a child image uses, and those stay. Returns how many went.
 */
export async function removeOlderImages(
  docker: Docker,
  role: string,
  keep: string,
  keepRecentS = KEEP_RECENT_IMAGES_S,
): Promise<number> {
  const images = await docker.listImages({
    filters: { label: [`${LABEL.tool}=${TOOL}`, `${LABEL.role}=${role}`] },
  });
  const cutoffS = Date.now() / 1000 - keepRecentS;
  let removed = 0;
  for (const image of images) {
    const tags = (image.RepoTags ?? []).filter((t) => t !== "<none>:<none>");
    if (tags.includes(keep) || image.Created > cutoffS) continue;
    try {
      for (const name of tags.length > 0 ? tags : [image.Id]) await docker.getImage(name).remove();
      removed += 1;
    } catch {
      // in use: kept
    }
  }
  return removed;
}

/** Builds (if needed) and returns the agent image's name; a new build replaces older unused ones. */
export async function ensureAgentImage(
  docker: Docker,
  root: string,
  version: string,
  progress: Progress,
): Promise<string> {
  const tag = `conntest-lab/agent:${contentHash(root)}`;
  if (await imageExists(docker, tag)) return tag;
  const base = await ensureBase(docker, root, progress);
  const builder = await ensureBuilder(docker, root, base, progress);
  progress(`building ${tag} on ${base} (the native addon compiled on ${builder})`);
  const stage = mkdtempSync(join(tmpdir(), "conntest-image-"));
  try {
    const parts = [
      "Dockerfile",
      "package.json",
      "package-lock.json",
      "dist/src",
      ...nativeParts(root),
      ...(await productionModules(root)),
    ];
    for (const part of parts) {
      if (statSync(join(root, part), { throwIfNoEntry: false })) {
        cpSync(join(root, part), join(stage, part), {
          recursive: true,
          filter: (src) => !src.endsWith(".map"),
        });
      }
    }
    const stream = await docker.buildImage(
      {
        context: stage,
        src: [
          "Dockerfile",
          "package.json",
          "package-lock.json",
          "dist",
          "native",
          "netsetup",
          "node_modules",
        ],
      },
      {
        t: tag,
        buildargs: { BASE: base, BUILDER: builder },
        labels: { [LABEL.tool]: TOOL, [LABEL.role]: "agent-image", [LABEL.version]: version },
        rm: true,
      },
    );
    await followBuild(docker, stream, progress);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  // the addon stage's image, untagged once the agent image has what it built
  await docker
    .pruneImages({
      filters: {
        dangling: ["true"],
        label: [`${LABEL.tool}=${TOOL}`, `${LABEL.role}=addon-stage`],
      },
    })
    .catch(() => {});
  const removed = await removeOlderImages(docker, "agent-image", tag);
  if (removed > 0)
    progress(`removed ${removed} agent image(s) older than an hour that no container uses`);
  return tag;
}
