/** Runs a shell script inside a running container (docker exec), as the lab's impairment steps do. */
import { PassThrough } from "node:stream";
import type Docker from "dockerode";
import type { ExecResult, ExecStreams } from "../../runtime/lab-runtime.js";

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

/**
 * Runs `argv` in the container as `docker exec [-i] [-t]` does: its output streamed as it
 * comes, binary-safe (a pcap goes through untouched), its input piped in; resolves with its
 * exit code once it has ended.
 */
export async function execAttached(
  docker: Docker,
  containerId: string,
  argv: string[],
  streams: ExecStreams,
): Promise<number> {
  const tty = streams.tty ?? null;
  const exec = await docker.getContainer(containerId).exec({
    Cmd: argv,
    AttachStdin: Boolean(streams.stdin),
    AttachStdout: true,
    AttachStderr: true,
    Tty: tty !== null,
    ...(tty ? { ConsoleSize: [tty.rows, tty.columns] } : {}),
  });
  const stream = await exec.start({
    hijack: true,
    stdin: Boolean(streams.stdin),
    Tty: tty !== null,
  });
  if (tty) {
    stream.pipe(streams.stdout, { end: false });
    const resize = (size: { rows: number; columns: number }) =>
      exec.resize({ h: size.rows, w: size.columns }).catch(() => {});
    resize(tty);
    streams.onResize?.(resize);
  } else docker.modem.demuxStream(stream, streams.stdout, streams.stderr);
  const input = streams.stdin;
  if (input) {
    input.on("data", (chunk: Buffer) => stream.write(chunk));
    // end of input: half-close, so the command reads end of file and the output still comes
    input.once("end", () => (stream as unknown as { end(): void }).end());
  }
  await new Promise<void>((resolve, reject) => {
    stream.on("end", () => resolve());
    stream.on("close", () => resolve());
    stream.on("error", reject);
  });
  if (input) input.removeAllListeners("data");
  // the output may end a moment before the engine has the exit code
  for (let i = 0; i < 50; i++) {
    const state = await exec.inspect();
    if (!state.Running) return state.ExitCode ?? -1;
    await new Promise((r) => setTimeout(r, 100));
  }
  return -1;
}
