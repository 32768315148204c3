/**
 * A simulated cluster on one machine: N hosts, each a container running its own Docker engine,
 * on a private bridge of the cluster's own, joined into one swarm. This is its plan: names,
 * the bridge's subnet (one the engine does not use yet) and each host's address. Pure.
 */
import { addressAt, cidrsOverlap, formatCidr4, parseCidr4 } from "../lab/address-plan.js";
import { NAME_PATTERN } from "../lab/lab-schema.js";

/** The cluster a lab's hosts resolve to when the command names none. */
export const DEFAULT_CLUSTER = "cluster";

/** Most simulated hosts one cluster has: each is a whole engine, a few hundred MB of memory. */
export const MAX_CLUSTER_HOSTS = 9;

/** The inner engines' API: plain TCP, reachable only on the cluster's private bridge. */
export const ENGINE_PORT = 2375;

/** Hosts that are also swarm managers: three keep a quorum when one of them stops answering. */
export const MANAGERS = 3;

export interface ClusterHostPlan {
  /** `h1` … `hN`: what a lab file's `host:` names. */
  name: string;
  /** The engine container's name on the machine's engine. */
  container: string;
  address: string;
  /** `tcp://ADDRESS:2375`: where the host's own engine answers. */
  engine: string;
  manager: boolean;
}

export interface ClusterPlan {
  name: string;
  network: { name: string; subnet: string; gateway: string };
  hosts: ClusterHostPlan[];
}

/** The engine object names of cluster `name`: its bridge `conntest-NAME`, its hosts `conntest-NAME-h1` …. */
export const clusterObjectName = (cluster: string, host?: string): string =>
  `conntest-${cluster}${host === undefined ? "" : `-${host}`}`;

/** `h3` for the third host. */
export const hostName = (index: number): string => `h${index + 1}`;

/** Where cluster bridges are looked for: 10.250.0.0/24, 10.250.1.0/24 … 10.250.255.0/24. */
function* candidateSubnets(): Generator<string> {
  for (let i = 0; i < 256; i++) yield `10.250.${i}.0/24`;
}

/** Why a cluster request cannot be planned; null when it can. */
export function clusterRequestProblem(name: string, hosts: number): string | null {
  if (!NAME_PATTERN.test(name))
    return `cluster name ${JSON.stringify(name)}: use lower-case letters, digits and -, up to 31`;
  if (!Number.isInteger(hosts) || hosts < 1 || hosts > MAX_CLUSTER_HOSTS)
    return `--hosts ${hosts}: a whole number 1 to ${MAX_CLUSTER_HOSTS}`;
  return null;
}

/**
 * The plan of cluster `name` with `hosts` hosts, on the first candidate subnet that overlaps
 * none in use on the engine; null when every candidate is taken.
 */
export function planCluster(
  name: string,
  hosts: number,
  subnetsInUse: readonly string[],
): ClusterPlan | null {
  const taken = subnetsInUse.flatMap((s) => parseCidr4(s) ?? []);
  for (const candidate of candidateSubnets()) {
    const cidr = parseCidr4(candidate);
    if (cidr === undefined || taken.some((t) => cidrsOverlap(t, cidr))) continue;
    return {
      name,
      network: {
        name: clusterObjectName(name),
        subnet: formatCidr4(cidr),
        gateway: addressAt(cidr, 1).toString(),
      },
      hosts: Array.from({ length: hosts }, (_, i) => {
        const address = addressAt(cidr, 11 + i).toString();
        return {
          name: hostName(i),
          container: clusterObjectName(name, hostName(i)),
          address,
          engine: `tcp://${address}:${ENGINE_PORT}`,
          manager: i < MANAGERS,
        };
      }),
    };
  }
  return null;
}

/**
 * The shell lines that impair a simulated host's uplink (its eth0 on the cluster bridge, which
 * carries every overlay's VXLAN packets to the other hosts): `qdisc` (tbf) as its root qdisc and
 * `loss` (a probability) as a random drop of what it sends, or nothing of either. Idempotent.
 */
export function uplinkScript(state: { qdisc: string | null; loss: string | null }): string {
  const lines = [
    "tc qdisc del dev eth0 root 2>/dev/null || true",
    "iptables -N CT-UPLINK 2>/dev/null || iptables -F CT-UPLINK",
    "iptables -C OUTPUT -o eth0 -j CT-UPLINK 2>/dev/null || iptables -I OUTPUT -o eth0 -j CT-UPLINK",
    "iptables -C FORWARD -o eth0 -j CT-UPLINK 2>/dev/null || iptables -I FORWARD -o eth0 -j CT-UPLINK",
  ];
  if (state.qdisc !== null) lines.push(`tc qdisc add dev eth0 root ${state.qdisc}`);
  if (state.loss !== null)
    lines.push(
      `iptables -A CT-UPLINK -m statistic --mode random --probability ${state.loss} -j DROP`,
    );
  return lines.join("\n");
}
