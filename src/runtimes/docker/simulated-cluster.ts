/**
 * `conntest-lab cluster up|down|status`: simulated Docker hosts on the machine's engine. Each
 * host is a container running its own engine (Docker-in-Docker, without --privileged, which
 * this kind of sandbox refuses: every capability but SYS_RESOURCE, and the cgroups mounted
 * again read-write by its start script), on an internal bridge of the cluster's own; the hosts
 * form one swarm. What is created carries the cluster's labels; `down` finds it by them.
 */
import type Docker from "dockerode";
import { naturalCompare } from "../../output/natural-compare.js";
import type {
  ClusterHostStatus,
  ClusterRequest,
  ClusterStatus,
  SimulatedCluster,
  UplinkImpairment,
} from "../../runtime/cluster.js";
import {
  type ClusterHostPlan,
  type ClusterPlan,
  clusterObjectName,
  ENGINE_PORT,
  planCluster,
  uplinkScript,
} from "../../runtime/cluster-plan.js";
import { Cancelled, RuntimeUnavailable } from "../../runtime/errors.js";
import type { Progress } from "./agent-image.js";
import { LOG_CONFIG } from "./apply.js";
import { ensureClusterHostImage } from "./cluster-host-image.js";
import { dockerAt, pingWithin } from "./engine.js";
import { engineSubnets } from "./engine-subnets.js";
import { execIn } from "./exec.js";
import { clusterFilter, LABEL, TOOL } from "./labels.js";

/** Every capability but SYS_RESOURCE, which the sandbox lacks (--privileged fails on it). */
const CAPABILITIES = [
  "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
  "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
  "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
  "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE",
  "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
  "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ",
]; // biome-ignore format: a list, one screen

const PRIVATE_CGROUPNS = { CgroupnsMode: "private" };

/** How long an inner engine may take to answer after its container starts (about 8 s here). */
const ENGINE_START_MS = 90_000;

/** `cluster up` found the cluster there already, or could not make it. */
export class ClusterRefused extends Error {}

const labelsOf = (
  cluster: string,
  role: string,
  version: string,
  host?: string,
): Record<string, string> => ({
  [LABEL.tool]: TOOL,
  [LABEL.cluster]: cluster,
  [LABEL.role]: role,
  [LABEL.version]: version,
  ...(host === undefined ? {} : { [LABEL.host]: host }),
});

function checkSignal(signal?: AbortSignal): void {
  if (signal?.aborted) throw new Cancelled();
}

async function createHost(
  docker: Docker,
  plan: ClusterPlan,
  host: ClusterHostPlan,
  image: string,
  version: string,
): Promise<void> {
  const labels = labelsOf(plan.name, "cluster-host", version, host.name);
  const container = await docker.createContainer({
    name: host.container,
    Hostname: host.name,
    Image: image,
    Labels: labels,
    Env: ["DOCKER_ALLOW_IPV6_ON_IPV4_INTERFACE=1"],
    HostConfig: {
      CapAdd: CAPABILITIES,
      SecurityOpt: ["seccomp=unconfined", "apparmor=unconfined"],
      // what `--security-opt systempaths=unconfined` means: /proc/sys writable (overlay sysctls)
      MaskedPaths: [],
      ReadonlyPaths: [],
      Devices: [
        { PathOnHost: "/dev/net/tun", PathInContainer: "/dev/net/tun", CgroupPermissions: "rwm" },
      ],
      Tmpfs: { "/run": "" },
      // its own cgroup namespace, for the start script to mount again (not in dockerode's types)
      ...PRIVATE_CGROUPNS,
      // the inner engine's images and containers: an anonymous volume (overlay2 works on it)
      Mounts: [
        {
          Type: "volume",
          // no source: an anonymous volume, removed with its container
          Source: "",
          Target: "/var/lib/docker",
          VolumeOptions: {
            NoCopy: false,
            Labels: labels,
            DriverConfig: { Name: "local", Options: {} },
          },
        },
      ],
      NetworkMode: plan.network.name,
      LogConfig: LOG_CONFIG,
    },
    NetworkingConfig: {
      EndpointsConfig: { [plan.network.name]: { IPAMConfig: { IPv4Address: host.address } } },
    },
  });
  await container.start();
}

/** Waits until the host's own engine answers; its version. */
async function engineAnswers(
  host: ClusterHostPlan,
  progress: Progress,
  signal?: AbortSignal,
): Promise<string> {
  const started = Date.now();
  const engine = dockerAt(host.engine);
  while (Date.now() - started < ENGINE_START_MS) {
    checkSignal(signal);
    try {
      await pingWithin(engine, 2_000);
      const v = (await engine.version()) as { Version: string };
      progress(
        `${host.name}: engine ${v.Version} answers at ${host.engine} after ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      return v.Version;
    } catch {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  throw new ClusterRefused(
    `${host.name}: its engine did not answer within ${ENGINE_START_MS / 1000} s; see: docker logs ${host.container}`,
  );
}

/** The first host starts the swarm; the next (up to three managers) join as managers, the rest as workers. */
async function formSwarm(plan: ClusterPlan, progress: Progress): Promise<void> {
  const [first, ...rest] = plan.hosts;
  if (first === undefined) return;
  const leader = dockerAt(first.engine);
  await leader.swarmInit({ ListenAddr: "0.0.0.0:2377", AdvertiseAddr: first.address });
  const { JoinTokens } = (await leader.swarmInspect()) as {
    JoinTokens: { Worker: string; Manager: string };
  };
  progress(`${first.name}: swarm started (manager)`);
  // one at a time: managers joining at once can lose the raft quorum
  for (const host of rest) {
    await dockerAt(host.engine).swarmJoin({
      ListenAddr: "0.0.0.0:2377",
      AdvertiseAddr: host.address,
      RemoteAddrs: [`${first.address}:2377`],
      JoinToken: host.manager ? JoinTokens.Manager : JoinTokens.Worker,
    });
    progress(`${host.name}: joined the swarm (${host.manager ? "manager" : "worker"})`);
  }
  const started = Date.now();
  for (;;) {
    const nodes = (await leader.listNodes()) as { Status?: { State?: string } }[];
    const ready = nodes.filter((n) => n.Status?.State === "ready").length;
    if (ready === plan.hosts.length) break;
    if (Date.now() - started > 60_000)
      throw new ClusterRefused(
        `only ${ready} of ${plan.hosts.length} hosts are ready in the swarm after 60 s`,
      );
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Sets (or, with nothing to impair, clears) every host's uplink impairment. */
export async function impairUplinks(
  docker: Docker,
  cluster: string,
  uplink: UplinkImpairment,
  progress: Progress,
): Promise<void> {
  const hosts = await docker.listContainers({ filters: { ...clusterFilter(cluster) } });
  for (const h of hosts.filter((c) => c.Labels[LABEL.role] === "cluster-host")) {
    const r = await execIn(docker, h.Id, uplinkScript(uplink));
    if (r.code !== 0)
      throw new ClusterRefused(
        `${h.Labels[LABEL.host]}: uplink impairment failed: ${r.output.trim()}`,
      );
  }
  const what = [uplink.qdisc, uplink.loss && `loss probability ${uplink.loss}`].filter(Boolean);
  progress(`uplinks: ${what.length > 0 ? what.join(", ") : "not impaired"}`);
}

/**
 * Starts cluster `name` with `hosts` hosts and forms its swarm. A failure or Ctrl-C removes
 * everything it created before it throws.
 */
export async function clusterUp(
  docker: Docker,
  request: ClusterRequest,
  io: { root: string; version: string; progress: Progress; signal?: AbortSignal },
): Promise<ClusterPlan> {
  const { name, hosts } = request;
  const { progress, signal } = io;
  const existing = await clusterStatus(docker, name);
  if (existing.network !== null || existing.hosts.length > 0)
    throw new ClusterRefused(
      `cluster ${name} is up already (${existing.hosts.length} hosts); see it: conntest-lab cluster status; remove it: conntest-lab cluster down${name === "cluster" ? "" : ` --name ${name}`}`,
    );
  const image = await ensureClusterHostImage(docker, io.root, io.version, (l) =>
    progress(`image: ${l}`),
  );
  const plan = planCluster(
    name,
    hosts,
    (await engineSubnets(docker)).map((s) => s.subnet),
  );
  if (plan === null)
    throw new ClusterRefused("no free subnet in 10.250.0.0/16 for the cluster's bridge");
  try {
    checkSignal(signal);
    progress(
      `creating network ${plan.network.name} (${plan.network.subnet}, internal: nothing is routed out)`,
    );
    await docker.createNetwork({
      Name: plan.network.name,
      Driver: "bridge",
      Internal: true,
      CheckDuplicate: true,
      IPAM: { Config: [{ Subnet: plan.network.subnet, Gateway: plan.network.gateway }] },
      Labels: labelsOf(name, "cluster-network", io.version),
    });
    progress(`starting ${hosts} hosts`);
    await Promise.all(plan.hosts.map((h) => createHost(docker, plan, h, image, io.version)));
    await Promise.all(plan.hosts.map((h) => engineAnswers(h, progress, signal)));
    checkSignal(signal);
    await formSwarm(plan, progress);
    if (request.uplink !== null) await impairUplinks(docker, name, request.uplink, progress);
    checkSignal(signal);
    return plan;
  } catch (err) {
    progress(
      `cluster up failed (${(err as Error).message.split("\n")[0]}); removing what was created`,
    );
    await clusterDown(docker, name, progress);
    throw err;
  }
}

/** Removes cluster `name` (or every cluster): its hosts with their volumes, then its bridge. */
export async function clusterDown(
  docker: Docker,
  name: string | undefined,
  progress: Progress,
): Promise<{ hosts: number; networks: number; volumes: number }> {
  const filters = clusterFilter(name);
  const containers = await docker.listContainers({ all: true, filters });
  if (containers.length > 0)
    progress(`removing ${containers.length} hosts (each with its engine's volume)`);
  await Promise.all(
    containers.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch((err: { statusCode?: number }) => {
          if (err.statusCode !== 404) throw err;
        }),
    ),
  );
  const networks = await docker.listNetworks({ filters });
  for (const n of networks) await docker.getNetwork(n.Id).remove();
  // a host removed while it was being created can leave its volume behind: swept by label
  const { Volumes } = (await docker.listVolumes({ filters })) as {
    Volumes: { Name: string }[] | null;
  };
  for (const v of Volumes ?? [])
    await docker
      .getVolume(v.Name)
      .remove()
      .catch(() => {});
  return { hosts: containers.length, networks: networks.length, volumes: (Volumes ?? []).length };
}

async function hostStatus(c: Docker.ContainerInfo, network: string): Promise<ClusterHostStatus> {
  const host = c.Labels[LABEL.host] ?? "?";
  const address = c.NetworkSettings?.Networks?.[network]?.IPAddress || null;
  const status: ClusterHostStatus = {
    name: host,
    container: (c.Names[0] ?? "").replace(/^\//, ""),
    state: c.State,
    address,
    engine: address === null ? null : `tcp://${address}:${ENGINE_PORT}`,
    engineVersion: null,
    swarm: "unknown",
  };
  if (c.State !== "running" || address === null) return status;
  try {
    const engine = dockerAt(status.engine as string);
    await pingWithin(engine, 2_000);
    const info = (await engine.info()) as {
      ServerVersion: string;
      Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean };
    };
    status.engineVersion = info.ServerVersion;
    status.swarm =
      info.Swarm?.LocalNodeState !== "active"
        ? "none"
        : info.Swarm.ControlAvailable
          ? "manager"
          : "worker";
  } catch {
    // not answering: shown as such
  }
  return status;
}

/** What is there of cluster `name`: its bridge and each host, asked whether its engine answers. */
export async function clusterStatus(docker: Docker, name: string): Promise<ClusterStatus> {
  const filters = clusterFilter(name);
  const networks = await docker.listNetworks({ filters });
  const network = networks[0];
  const containers = await docker.listContainers({ all: true, filters });
  const hosts = await Promise.all(
    containers
      .filter((c) => c.Labels[LABEL.role] === "cluster-host")
      .map((c) => hostStatus(c, network?.Name ?? clusterObjectName(name))),
  );
  hosts.sort((a, b) => naturalCompare(a.name, b.name));
  return {
    name,
    network: network?.Name ?? null,
    subnet: network?.IPAM?.Config?.[0]?.Subnet ?? null,
    hosts,
  };
}

/** The engines of a running cluster's hosts, by host name; throws when it is not up. */
/** The hosts of a cluster that is up, by name (a host that is not running has no engine). */
export async function clusterEngines(
  docker: Docker,
  name: string,
): Promise<Map<string, ClusterHostStatus>> {
  const status = await clusterStatus(docker, name);
  if (status.hosts.length === 0)
    throw new RuntimeUnavailable(
      `no simulated cluster ${name} is up; start one: conntest-lab cluster up --hosts 3`,
    );
  return new Map(status.hosts.map((h) => [h.name, h]));
}

/** The simulated cluster on one Docker engine, behind the SimulatedCluster seam. */
export class DockerSimulatedCluster implements SimulatedCluster {
  constructor(private readonly docker: Docker) {}

  up(request: ClusterRequest, io: Parameters<SimulatedCluster["up"]>[1]) {
    return clusterUp(this.docker, request, io);
  }

  down(name: string | undefined, progress: (line: string) => void) {
    return clusterDown(this.docker, name, progress);
  }

  status(name: string) {
    return clusterStatus(this.docker, name);
  }

  impairUplinks(name: string, uplink: UplinkImpairment, progress: (line: string) => void) {
    return impairUplinks(this.docker, name, uplink, progress);
  }
}
