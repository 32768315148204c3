/**
 * One `up` of a lab at a time, across processes and machines that share the engine: the lock
 * is a container name, which the engine gives to one creator only (network names are not
 * unique under a race, so two `up`s would each create half the networks). The container is
 * never started; it carries the holder's host and pid so a lock left by a killed `up` is
 * recognised and taken over.
 */
import { hostname } from "node:os";
import type Docker from "dockerode";
import { LockBusy } from "../../runtime/errors.js";
import { LABEL, labels } from "./labels.js";

/** A lab name never has a dot, so this is no node's container name. */
export const lockName = (lab: string) => `${lab}.up-lock`;

function holderAlive(holder: string): boolean | "unknown" {
  const [host, pid] = holder.split(":");
  if (host !== hostname() || !pid) return "unknown";
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Runs `fn` holding the lab's lock. Waits (telling `waiting` once) while another live `up`
 * holds it, up to `waitMs`; takes over a lock whose holder process is gone.
 */
export async function withLabLock<T>(
  docker: Docker,
  lab: string,
  image: string,
  version: string,
  waiting: (holder: string) => void,
  fn: () => Promise<T>,
  waitMs = 600_000,
): Promise<T> {
  const me = `${hostname()}:${process.pid}`;
  const deadline = Date.now() + waitMs;
  let told = false;
  let lock: Docker.Container | null = null;
  while (lock === null) {
    try {
      lock = await docker.createContainer({
        name: lockName(lab),
        Image: image,
        Entrypoint: ["true"],
        Cmd: [],
        Labels: { ...labels(lab, "lock", "lock", version), [LABEL.holder]: me },
        HostConfig: { NetworkMode: "none" },
      });
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 409) throw err;
      const held = await docker
        .getContainer(lockName(lab))
        .inspect()
        .catch(() => null);
      if (held === null) continue; // released meanwhile: try again at once
      const holder = held.Config.Labels?.[LABEL.holder] ?? "?";
      if (holderAlive(holder) === false) {
        // its `up` was killed: what it left is completed by ours
        await docker
          .getContainer(held.Id)
          .remove({ force: true })
          .catch(() => {});
        continue;
      }
      if (Date.now() > deadline)
        throw new LockBusy(
          `another conntest-lab up of lab ${lab} (${holder}) is still at work after ${waitMs / 1000} s; if it is gone, remove the lab with: conntest-lab down --lab ${lab}`,
        );
      if (!told) waiting(holder);
      told = true;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    await lock.remove({ force: true }).catch(() => {});
  }
}
