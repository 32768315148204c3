/**
 * Chaos by hand: `conntest-lab kill|stop|start|restart|pause|unpause NODE`
 * and `disconnect|connect NODE NETWORK`, on containers found by label. Plain
 * docker commands on the same containers work just as well.
 */
import type Docker from "dockerode";
import { type ImpairmentSpec, netemFieldsOf, netemMissing } from "../../lab/impairment-state.js";
import { impairmentStateLine, NET_SCRIPT } from "../../lab/net-script.js";
import { engineName } from "../../lab/plan.js";
import { naturalSort } from "../../output/natural-compare.js";
import { ChaosError } from "../../runtime/errors.js";
import type { ContainerAction } from "../../runtime/lab-runtime.js";
import { ipamConfig } from "./apply.js";
import { execIn } from "./exec.js";
import { LABEL, labelFilter, plannedAddresses } from "./labels.js";

/** The container of NODE, in `lab` or, when not given, in whichever lab has that node. */
export async function findNode(docker: Docker, node: string, lab?: string) {
  const all = await docker.listContainers({ all: true, filters: labelFilter(lab) });
  const hits = all.filter((c) => c.Labels[LABEL.node] === node);
  if (hits.length === 0) {
    const known = naturalSort(
      new Set(all.map((c) => c.Labels[LABEL.node]).filter((n): n is string => Boolean(n))),
      (n) => n,
    );
    throw new ChaosError(
      `no node "${node}" in ${lab ? `lab ${lab}` : "any running lab"}; nodes: ${known.join(", ") || "none"}`,
    );
  }
  if (hits.length > 1) {
    const labs = hits.map((c) => c.Labels[LABEL.lab]).join(", ");
    throw new ChaosError(`node "${node}" is in several labs (${labs}); name the lab file with -f`);
  }
  return hits[0] as (typeof hits)[number];
}

export async function containerAction(
  docker: Docker,
  action: ContainerAction,
  node: string,
  lab?: string,
): Promise<string> {
  const info = await findNode(docker, node, lab);
  const c = docker.getContainer(info.Id);
  switch (action) {
    case "kill":
      await c.kill();
      break;
    case "stop":
      await c.stop({ t: 2 });
      break;
    case "start":
      await c.start();
      break;
    case "restart":
      await c.restart({ t: 2 });
      break;
    case "pause":
      await c.pause();
      break;
    case "unpause":
      await c.unpause();
      // a network put back while it was paused is set up now
      await runNetScript(docker, info.Id, node, "", true);
      break;
  }
  return `${action}: ${node} (lab ${info.Labels[LABEL.lab]})`;
}

/**
 * Runs the container's network script again: after Docker changed its interfaces (a network
 * cut or put back gets a new interface name and Docker's default route), or its impairments.
 */
async function runNetScript(
  docker: Docker,
  id: string,
  node: string,
  first = "",
  onlyIfThere = false,
): Promise<void> {
  const missing = onlyIfThere
    ? "exit 0"
    : `echo "${node} has no network script (made by an older conntest-lab?): bring the lab up again"; exit 3`;
  const r = await execIn(
    docker,
    id,
    [`[ -f ${NET_SCRIPT} ] || { ${missing}; }`, first, `sh ${NET_SCRIPT}`].join("\n"),
  );
  if (r.code !== 0)
    throw new ChaosError(r.output.trim().split("\n").pop() || `${NET_SCRIPT} exited ${r.code}`);
}

export async function networkAction(
  docker: Docker,
  action: "connect" | "disconnect",
  node: string,
  network: string,
  lab?: string,
): Promise<string> {
  const info = await findNode(docker, node, lab);
  const labName = info.Labels[LABEL.lab] as string;
  const dockerNet = engineName(labName, network);
  const net = docker.getNetwork(dockerNet);
  const planned = plannedAddresses(info.Labels[LABEL.addresses]);
  const ipv4 = planned.get(network);
  const ipv6 = plannedAddresses(info.Labels[LABEL.addresses6]).get(network);
  if (!ipv4)
    throw new ChaosError(
      `${node} was not planned on network ${network}; its networks: ${[...planned.keys()].join(", ")}`,
    );
  const inspected = await docker.getContainer(info.Id).inspect();
  // a paused container cannot exec; a stopped one runs its script when it starts
  const canExec = inspected.State.Running && !inspected.State.Paused;
  if (action === "disconnect") {
    await net.disconnect({ Container: info.Id, Force: true });
    // Docker gave it a default route, and rules may name the interface that went
    if (canExec) await runNetScript(docker, info.Id, node);
    return `disconnect: ${node} from ${network} (lab ${labName})`;
  }
  // Already on it (a plain `docker network connect`)? Only as planned: address and name.
  const attached = inspected.NetworkSettings.Networks[dockerNet];
  const asPlanned =
    attached !== undefined &&
    attached.IPAddress === ipv4 &&
    (ipv6 === undefined || attached.GlobalIPv6Address === ipv6) &&
    (attached.Aliases ?? []).includes(node);
  if (attached !== undefined && !asPlanned)
    await net.disconnect({ Container: info.Id, Force: true });
  if (!asPlanned) {
    await net.connect({
      Container: info.Id,
      EndpointConfig: {
        IPAMConfig: ipamConfig(ipv6 === undefined ? { ipv4 } : { ipv4, ipv6 }),
        Aliases: [node],
      },
    });
  }
  let note = "";
  if (canExec) await runNetScript(docker, info.Id, node);
  else if (inspected.State.Paused) note = "; its routes and rules are set when it is unpaused";
  else note = "; its routes and rules are set when it starts";
  const as = ipv6 === undefined ? ipv4 : `${ipv4} and ${ipv6}`;
  return `connect: ${node} to ${network} as ${as} (lab ${labName})${note}`;
}

/** Whether the container's kernel takes a netem qdisc: tried on its loopback and taken off again. */
async function hasNetemIn(docker: Docker, id: string): Promise<boolean> {
  const r = await execIn(
    docker,
    id,
    "tc qdisc add dev lo root netem delay 0ms 2>/dev/null || exit 1\ntc qdisc del dev lo root",
  );
  return r.code === 0;
}

/**
 * Sets (replaces) or, with `impairment` null, clears the impairment of NODE's interface on
 * NETWORK: rewrites its state file in the container and runs the network script, which
 * applies it to whatever the interface is called. A router impairs what it forwards, a node
 * what it sends.
 */
export async function impairAction(
  docker: Docker,
  node: string,
  network: string,
  impairment: ImpairmentSpec | null,
  lab?: string,
): Promise<string> {
  const info = await findNode(docker, node, lab);
  if (!plannedAddresses(info.Labels[LABEL.addresses]).has(network))
    throw new ChaosError(
      `${node} has no interface on ${network}; its networks: ${[...plannedAddresses(info.Labels[LABEL.addresses]).keys()].join(", ")}`,
    );
  // values were checked with the lab file or the command line; netem needs the kernel's say
  const netem = impairment === null ? [] : netemFieldsOf(impairment);
  if (netem.length > 0 && !(await hasNetemIn(docker, info.Id))) {
    // refused before the state file is written: the script would fail on it at every run
    const { message, expected } = netemMissing(netem.join(", "));
    throw new ChaosError(`${message}; use ${expected}`);
  }
  await runNetScript(docker, info.Id, node, impairmentStateLine(network, impairment));
  return `${impairment !== null ? "impaired" : "cleared"} ${node} on ${network}`;
}
