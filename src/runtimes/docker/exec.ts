/** Runs a shell script inside a running container (docker exec), as the lab's impairment steps do. */
import { PassThrough } from "node:stream";
import type Docker from "dockerode";
import type { ExecResult } from "../../runtime/lab-runtime.js";

export type { ExecResult };

export async function execIn(
  docker: Docker,
  containerId: string,
  script: string,
): Promise<ExecResult> {
  const exec = await docker.getContainer(containerId).exec({
    Cmd: ["sh", "-ec", script],
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({});
  const out = new PassThrough();
  docker.modem.demuxStream(stream, out, out);
  let output = "";
  out.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    stream.on("end", () => resolve());
    stream.on("close", () => resolve());
    stream.on("error", reject);
  });
  const { ExitCode } = await exec.inspect();
  return { code: ExitCode ?? -1, output };
}
