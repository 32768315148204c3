/**
 * `conntest-lab cluster up|down|status`: a simulated cluster of Docker hosts on this machine,
 * to rehearse labs that span hosts (`host: h1` … `host: hN` in a lab file).
 */
import { impairmentIssues, impairmentState } from "../lab/impairment-state.js";
import { interruptSignal } from "../lab-session/interrupts.js";
import { LAB_EXIT, LabFailure, type LabIo } from "../lab-session/lab-io.js";
import { tableText } from "../output/table-text.js";
import type { ClusterStatus, SimulatedCluster, UplinkImpairment } from "../runtime/cluster.js";
import { clusterRequestProblem, DEFAULT_CLUSTER } from "../runtime/cluster-plan.js";
import { Cancelled, RuntimeUnavailable } from "../runtime/errors.js";
import { connectCluster } from "../runtimes/connect.js";

export interface ClusterOptions {
  name: string;
}

async function openCluster(): Promise<SimulatedCluster> {
  try {
    return await connectCluster();
  } catch (err) {
    if (err instanceof RuntimeUnavailable) throw new LabFailure(err.message, LAB_EXIT.badInput);
    throw err;
  }
}

/** `--rate 100mbit --loss 1%` as the uplink impairment; null when neither is given. */
export function uplinkOf(rate?: string, loss?: string): UplinkImpairment | null {
  if (rate === undefined && loss === undefined) return null;
  const imp = { ...(rate === undefined ? {} : { rate }), ...(loss === undefined ? {} : { loss }) };
  const [issue] = impairmentIssues(imp, []);
  if (issue !== undefined) {
    const flag = `--${String(issue.path.at(-1) ?? "rate")}`;
    throw new LabFailure(
      `${flag}: ${issue.message}; expected ${issue.expected}`,
      LAB_EXIT.badInput,
    );
  }
  return impairmentState(imp);
}

const nameFlag = (name: string) => (name === DEFAULT_CLUSTER ? "" : ` --name ${name}`);

export async function clusterUp(
  options: ClusterOptions & { hosts: string; rate?: string; loss?: string },
  io: LabIo,
): Promise<number> {
  const hosts = Number(options.hosts);
  const problem = clusterRequestProblem(options.name, hosts);
  if (problem !== null) throw new LabFailure(problem, LAB_EXIT.badInput);
  const uplink = uplinkOf(options.rate, options.loss);
  const cluster = await openCluster();
  const started = Date.now();
  const interrupted = interruptSignal();
  try {
    const plan = await cluster.up(
      { name: options.name, hosts, uplink },
      {
        root: io.root,
        version: io.version,
        progress: (l) => io.out(`  ${l}\n`),
        signal: interrupted.signal,
      },
    );
    io.out(
      `cluster ${plan.name} is up in ${((Date.now() - started) / 1000).toFixed(1)} s: ${plan.hosts.map((h) => `${h.name} ${h.engine}`).join(", ")}\n`,
    );
    io.out(
      `labs with host: ${plan.hosts.map((h) => h.name).join(", ")} run on it (conntest-lab up labs/multi-host.yaml); remove it: conntest-lab cluster down${nameFlag(plan.name)}\n`,
    );
    return LAB_EXIT.ok;
  } catch (err) {
    if (err instanceof Cancelled || interrupted.signal.aborted)
      throw new LabFailure(
        "interrupted: everything cluster up created was removed",
        LAB_EXIT.interrupted,
      );
    throw new LabFailure(`cluster up: ${(err as Error).message}`, LAB_EXIT.failed);
  } finally {
    interrupted.stop();
  }
}

export async function clusterDown(
  options: { name?: string; all?: boolean },
  io: LabIo,
): Promise<number> {
  const cluster = await openCluster();
  const name = options.all ? undefined : (options.name ?? DEFAULT_CLUSTER);
  const started = Date.now();
  io.out(`removing ${name === undefined ? "every simulated cluster" : `cluster ${name}`}\n`);
  const removed = await cluster.down(name, (l) => io.out(`  ${l}\n`));
  if (removed.hosts + removed.networks === 0) {
    io.out(
      `no simulated cluster${name === undefined ? "" : ` ${name}`} is up; nothing to remove\n`,
    );
    return LAB_EXIT.ok;
  }
  io.out(
    `removed ${removed.hosts} hosts with their engines' volumes${removed.volumes > 0 ? ` (and ${removed.volumes} left over)` : ""} and ${removed.networks} network(s) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  return LAB_EXIT.ok;
}

/** The hosts as a table: name, state, engine, version, swarm role. */
export function clusterStatusText(status: ClusterStatus): string {
  const rows = status.hosts.map((h) => [
    h.name,
    h.state,
    h.engine ?? "-",
    h.engineVersion ?? "not answering",
    h.swarm,
  ]);
  return `cluster ${status.name}: ${status.network ?? "no network"} (${status.subnet ?? "-"})\n${tableText(["host", "state", "engine", "version", "swarm"], rows)}\n`;
}

export async function clusterStatusCommand(
  options: ClusterOptions & { json?: boolean },
  io: LabIo,
): Promise<number> {
  const cluster = await openCluster();
  const status = await cluster.status(options.name);
  if (status.hosts.length === 0 && status.network === null) {
    if (options.json) io.out(`${JSON.stringify(status)}\n`);
    else
      io.out(
        `no simulated cluster ${options.name} is up; start one: conntest-lab cluster up --hosts 3${nameFlag(options.name)}\n`,
      );
    return LAB_EXIT.notUp;
  }
  io.out(options.json ? `${JSON.stringify(status)}\n` : clusterStatusText(status));
  // a host that does not answer is a cluster that is not whole
  return status.hosts.every((h) => h.engineVersion !== null) ? LAB_EXIT.ok : LAB_EXIT.failed;
}

/** `cluster impair --rate R --loss P`, or `--clear`: every host's uplink, on a running cluster. */
export async function clusterImpair(
  options: ClusterOptions & { rate?: string; loss?: string; clear?: boolean },
  io: LabIo,
): Promise<number> {
  const uplink = uplinkOf(options.rate, options.loss);
  if ((uplink === null) === (options.clear !== true))
    throw new LabFailure(
      "cluster impair: give --rate and/or --loss, or --clear (not both)",
      LAB_EXIT.badInput,
    );
  const cluster = await openCluster();
  const status = await cluster.status(options.name);
  if (status.hosts.length === 0)
    throw new LabFailure(
      `no simulated cluster ${options.name} is up; start one: conntest-lab cluster up --hosts 3${nameFlag(options.name)}`,
      LAB_EXIT.notUp,
    );
  await cluster.impairUplinks(options.name, uplink ?? { qdisc: null, loss: null }, (l) =>
    io.out(`${l}\n`),
  );
  return LAB_EXIT.ok;
}
