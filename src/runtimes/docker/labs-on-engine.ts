/**
 * The labs an engine holds, found by label: for `down` without a lab (which lists them and
 * removes nothing), for chaos verbs without `-f` (which act only when one lab runs), and for
 * messages that name a lab that is not there.
 */
import type Docker from "dockerode";
import { naturalSort } from "../../output/natural-compare.js";
import type { LabOnEngine } from "../../runtime/lab-runtime.js";
import { LABEL, labelFilter } from "./labels.js";

export type { LabOnEngine };

export async function labsOnEngine(docker: Docker): Promise<LabOnEngine[]> {
  const labs = new Map<string, LabOnEngine>();
  const entry = (lab: string) => {
    let e = labs.get(lab);
    if (e === undefined) {
      e = { lab, containers: 0, running: 0, networks: 0 };
      labs.set(lab, e);
    }
    return e;
  };
  for (const c of await docker.listContainers({ all: true, filters: labelFilter() })) {
    const lab = c.Labels[LABEL.lab];
    // the lock of an `up` at work is not a container of the lab
    if (lab === undefined || c.Labels[LABEL.node] === undefined) continue;
    const e = entry(lab);
    e.containers += 1;
    if (c.State === "running") e.running += 1;
  }
  for (const n of await docker.listNetworks({ filters: labelFilter() })) {
    const lab = n.Labels?.[LABEL.lab];
    if (lab !== undefined) entry(lab).networks += 1;
  }
  return naturalSort(labs.values(), (l) => l.lab);
}
