/**
 * `conntest-lab export FILE --compose`: the lab as a Compose file (compose-export.ts) that
 * Compose brings up on its own. Nothing is created: the file is read, checked and planned.
 */
import { writeFileSync } from "node:fs";
import { toDockerPlan } from "../lab/docker-plan.js";
import { readLab } from "../lab/load-lab.js";
import { LAB_EXIT, LabFailure, type LabIo } from "../lab-session/lab-io.js";
import { labErrors } from "../lab-session/session.js";
import { COMPOSE_IMAGE, COMPOSE_RUN, composeFile } from "../runtimes/docker/compose-export.js";

export async function exportCommand(
  file: string,
  opts: { compose?: boolean; output?: string },
  io: LabIo,
): Promise<number> {
  if (!opts.compose)
    throw new LabFailure("export needs a format: export FILE --compose", LAB_EXIT.badInput);
  const read = await readLab(file);
  if (!read.ok) throw labErrors(read.errors, file, io);
  if (read.plan.hosts !== undefined)
    throw new LabFailure(
      `${file}: a lab on several hosts (hosts:) has no Compose form, Compose runs on one engine; export a copy without hosts: and host: fields`,
      LAB_EXIT.badInput,
    );
  const plan = toDockerPlan(read.lab, read.plan, {
    image: COMPOSE_IMAGE,
    run: COMPOSE_RUN,
    version: io.version,
  });
  const text = composeFile(plan, file);
  if (opts.output === undefined) io.out(text);
  else {
    writeFileSync(opts.output, text);
    io.err(`wrote ${opts.output}: lab ${plan.lab} as a Compose file\n`);
  }
  return LAB_EXIT.ok;
}
