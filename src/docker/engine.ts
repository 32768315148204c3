/**
 * The Docker engine, found the way the docker CLI finds it: DOCKER_HOST
 * (unix://, tcp://, ssh:// with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH), else
 * the default socket. dockerode's modem reads those variables itself.
 */
import Docker from "dockerode";

export class EngineUnavailable extends Error {
  constructor(where: string, cause: string) {
    super(
      `no Docker engine answers at ${where} (${cause}); start one (on Debian: sudo bash netsetup/ensure-docker.sh) or set DOCKER_HOST`,
    );
    this.name = "EngineUnavailable";
  }
}

export function engineAddress(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_HOST || "unix:///var/run/docker.sock";
}

/** Connects and pings; throws EngineUnavailable (one line) when nothing answers within `timeoutMs`. */
export async function connectEngine(
  timeoutMs = 5_000,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Docker> {
  const where = engineAddress(env);
  let docker: Docker;
  try {
    docker = new Docker();
  } catch (err) {
    throw new EngineUnavailable(where, (err as Error).message);
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      docker.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${timeoutMs / 1000} s`)),
          timeoutMs,
        );
      }),
    ]);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new EngineUnavailable(where, e.code ?? e.message);
  } finally {
    clearTimeout(timer);
  }
  return docker;
}
