/**
 * Makes a Plan real on the engine, and removes labs by label. A bring-up
 * that fails or is cancelled removes what it created before it rethrows.
 */
import type Docker from "dockerode";
import { impairmentStateLine, NET_DIR, NET_SCRIPT, netScript } from "../lab/net-script.js";
import type { Progress } from "./agent-image.js";
import { LABEL, labelFilter, labels } from "./labels.js";
import { dockerName, type Plan, type PlannedContainer } from "./plan.js";

export class Cancelled extends Error {
  constructor() {
    super("cancelled");
    this.name = "Cancelled";
  }
}

function checkSignal(signal?: AbortSignal): void {
  if (signal?.aborted) throw new Cancelled();
}

/**
 * Like Promise.all, but settles every promise before it rejects: clean-up
 * must wait for creations still in flight, or what they create after it
 * would be left behind.
 */
async function allOrFirstError(promises: Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(promises)).find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
}

/** What a router prints once its network script has run: bring-up waits for it. */
export const routerReadyLine = (name: string) => `conntest-lab: router ${name} is ready`;

/**
 * `sh -c` script: write the container's network script and its planned impairments (again at
 * every start: a restart gives back the lab file's state), run it, then become the agent (so
 * signals reach it). The script stays in the container for `connect`, `impair` and `clear`.
 */
export function entrypointScript(c: PlannedContainer): string {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const impairments = Object.entries(c.impairments).map(([network, state]) =>
    impairmentStateLine(network, state),
  );
  const main = c.agentArgs
    ? `exec conntest ${c.agentArgs.map(quote).join(" ")}`
    : `echo ${quote(routerReadyLine(c.name))}\nexec sleep infinity`;
  return [
    `mkdir -p ${NET_DIR}/impair && rm -f ${NET_DIR}/impair/*`,
    ...impairments,
    `cat > ${NET_SCRIPT} <<'CONNTEST_NET_END'`,
    netScript(c.net).trimEnd(),
    "CONNTEST_NET_END",
    `sh ${NET_SCRIPT} || exit 78`,
    main,
  ].join("\n");
}

export async function applyPlan(
  docker: Docker,
  plan: Plan,
  progress: Progress,
  signal?: AbortSignal,
): Promise<void> {
  try {
    checkSignal(signal);
    progress(`creating ${plan.networks.length} networks`);
    await allOrFirstError(
      plan.networks.map((n) =>
        docker.createNetwork({
          Name: dockerName(plan, n.name),
          Driver: "bridge",
          CheckDuplicate: true,
          IPAM: {
            Driver: "default",
            Config: [{ Subnet: n.subnet, ...(n.gateway ? { Gateway: n.gateway } : {}) }],
          },
          Options: {
            // No NAT to the outside world from a lab network.
            "com.docker.network.bridge.enable_ip_masquerade": "false",
          },
          Labels: labels(plan.lab, plan.run, "network", plan.version),
        }),
      ),
    );
    checkSignal(signal);
    let done = 0;
    progress(`creating ${plan.containers.length} containers`);
    await allOrFirstError(
      plan.containers.map(async (c) => {
        const [first, ...rest] = c.attachments;
        if (!first) throw new Error(`${c.name} has no network`);
        const container = await docker.createContainer({
          name: dockerName(plan, c.name),
          Hostname: c.name,
          Image: plan.image,
          Entrypoint: ["sh", "-c", entrypointScript(c)],
          Cmd: [],
          Labels: {
            ...labels(plan.lab, plan.run, c.role, plan.version),
            [LABEL.node]: c.name,
            [LABEL.addresses]: c.attachments.map((a) => `${a.network}=${a.ipv4}`).join(","),
          },
          HostConfig: {
            NetworkMode: dockerName(plan, first.network),
            CapAdd: c.capAdd,
            Sysctls: c.sysctls,
            Init: true,
          },
          NetworkingConfig: {
            EndpointsConfig: {
              [dockerName(plan, first.network)]: {
                IPAMConfig: { IPv4Address: first.ipv4 },
                Aliases: [c.name],
              },
            },
          },
        });
        for (const a of rest) {
          await docker.getNetwork(dockerName(plan, a.network)).connect({
            Container: container.id,
            EndpointConfig: { IPAMConfig: { IPv4Address: a.ipv4 }, Aliases: [c.name] },
          });
        }
        checkSignal(signal);
        await container.start();
        done += 1;
        progress(`started ${c.name} (${done}/${plan.containers.length})`);
      }),
    );
  } catch (err) {
    progress(
      `bring-up failed (${(err as Error).message.split("\n")[0]}); removing what was created`,
    );
    await removeLab(docker, plan.lab, progress, plan.run);
    throw err;
  }
}

/** Removes every container and network of one lab (or of every lab), found by label. */
export async function removeLab(
  docker: Docker,
  lab: string | undefined,
  progress: Progress,
  run?: string,
): Promise<{ containers: number; networks: number }> {
  const filters = labelFilter(lab);
  if (run) filters.label.push(`${LABEL.run}=${run}`);
  const containers = await docker.listContainers({ all: true, filters });
  if (containers.length > 0) progress(`removing ${containers.length} containers`);
  await Promise.all(
    containers.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch((err: { statusCode?: number }) => {
          if (err.statusCode !== 404) throw err; // already gone is fine
        }),
    ),
  );
  const networks = await docker.listNetworks({ filters });
  if (networks.length > 0) progress(`removing ${networks.length} networks`);
  await Promise.all(
    networks.map((n) =>
      docker
        .getNetwork(n.Id)
        .remove()
        .catch((err: { statusCode?: number }) => {
          if (err.statusCode !== 404) throw err;
        }),
    ),
  );
  return { containers: containers.length, networks: networks.length };
}
