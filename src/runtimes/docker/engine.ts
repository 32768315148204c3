/**
 * The Docker engine, found the way the docker CLI finds it: DOCKER_HOST
 * (unix://, tcp://, ssh:// with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH), else
 * the default socket. dockerode's modem reads those variables itself.
 */
import { readFileSync } from "node:fs";
import { Agent } from "node:http";
import { userInfo } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { RuntimeUnavailable } from "../../runtime/errors.js";

/** The one line for an engine that does not answer: what, where, and what to run. */
export class EngineUnavailable extends RuntimeUnavailable {
  constructor(
    where: string,
    /** The error code (ENOENT, EACCES, ...) or message. */
    readonly reason: string,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    super(engineFix(where, reason, env));
    this.name = "EngineUnavailable";
  }
}

function engineFix(where: string, cause: string, env: NodeJS.ProcessEnv): string {
  // The user pointed elsewhere: setting up a local engine would not be what they asked for.
  if (env.DOCKER_HOST) {
    return `no Docker engine answers at DOCKER_HOST=${where} (${cause}); start that engine, or unset DOCKER_HOST to use the local one`;
  }
  if (cause === "EACCES") {
    const user = userInfo().username;
    return `the Docker engine at ${where} is not open to ${user} (EACCES); run: sudo usermod -aG docker ${user}, then log in again`;
  }
  return `no Docker engine answers at ${where} (${cause}); start one (in a checkout: bash netsetup/ensure-docker.sh installs and starts it on Debian, with sudo where needed) or set DOCKER_HOST`;
}

export function engineAddress(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_HOST || "unix:///var/run/docker.sock";
}

/**
 * Requests to a local socket each get a connection of their own. Node's global agent keeps
 * idle ones for reuse, and one the engine has closed meanwhile fails the next request with
 * EPIPE when nothing ran the event loop in between to notice (seen in CI: the first call after
 * a 5-minute spawnSync). A Unix socket connection costs microseconds.
 */
const LOCAL_AGENT = new Agent({ keepAlive: false });

const localDocker = (socketPath: string) =>
  new Docker({ socketPath, agent: LOCAL_AGENT } as Docker.DockerOptions); // docker-modem takes an agent; the types omit it

/** A Docker client for an engine URL as DOCKER_HOST takes it: unix://, tcp://, ssh://. */
export function dockerAt(url: string, env: NodeJS.ProcessEnv = process.env): Docker {
  if (url.startsWith("unix://")) return localDocker(url.slice(7) || "/var/run/docker.sock");
  const u = new URL(url.includes("//") ? url : `tcp://${url}`);
  if (u.protocol === "ssh:")
    return new Docker({
      protocol: "ssh",
      host: u.hostname,
      port: u.port === "" ? 22 : Number(u.port),
      username: u.username,
      sshOptions: { agent: env.SSH_AUTH_SOCK },
    } as Docker.DockerOptions);
  const tls = env.DOCKER_TLS_VERIFY === "1" || u.port === "2376";
  return new Docker({
    host: u.hostname,
    port: u.port === "" ? (tls ? 2376 : 2375) : Number(u.port),
    protocol: tls ? "https" : "http",
    ...(tls && env.DOCKER_CERT_PATH
      ? {
          ca: readFileSync(join(env.DOCKER_CERT_PATH, "ca.pem")),
          cert: readFileSync(join(env.DOCKER_CERT_PATH, "cert.pem")),
          key: readFileSync(join(env.DOCKER_CERT_PATH, "key.pem")),
        }
      : {}),
  });
}

/** Pings `docker`; rejects when it does not answer within `timeoutMs`. */
export async function pingWithin(docker: Docker, timeoutMs: number): Promise<void> {
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
  } finally {
    clearTimeout(timer);
  }
}

/** Connects and pings; throws EngineUnavailable (one line) when nothing answers within `timeoutMs`. */
export async function connectEngine(
  timeoutMs = 5_000,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Docker> {
  const where = engineAddress(env);
  let docker: Docker;
  try {
    // the default socket through the agent above; anything else as dockerode reads DOCKER_HOST
    docker = where.startsWith("unix://") ? dockerAt(where, env) : new Docker();
  } catch (err) {
    throw new EngineUnavailable(where, (err as Error).message, env);
  }
  try {
    await pingWithin(docker, timeoutMs);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new EngineUnavailable(where, e.code ?? e.message, env);
  }
  return docker;
}
