/**
 * Every Docker object the lab creates carries these labels; `down` and the
 * tests find (and remove) things by them, never by remembered ids.
 */
export const LABEL = {
  tool: "org.conntest-lab.tool",
  lab: "org.conntest-lab.lab",
  run: "org.conntest-lab.run",
  role: "org.conntest-lab.role",
  version: "org.conntest-lab.version",
  /** The node or router name from the lab file. */
  node: "org.conntest-lab.node",
  /** `net=address,...`: lets `connect NODE NETWORK` restore the planned address. */
  addresses: "org.conntest-lab.addresses",
  /** `net=address6,...` on dual-stack networks: the same for IPv6. */
  addresses6: "org.conntest-lab.addresses6",
  /** Hash of what a container was created from: `up` completes a lab only with equal ones. */
  spec: "org.conntest-lab.spec",
  /** On a lab's lock container: `host:pid` of the `up` that holds it. */
  holder: "org.conntest-lab.holder",
  /** On a simulated cluster's bridge and host containers: the cluster's name. */
  cluster: "org.conntest-lab.cluster",
  /** On a simulated host's container, and on a lab container: the host it is (or runs on). */
  host: "org.conntest-lab.host",
} as const;

export const TOOL = "conntest-lab";

export function labels(
  lab: string,
  run: string,
  role: string,
  version: string,
): Record<string, string> {
  return {
    [LABEL.tool]: TOOL,
    [LABEL.lab]: lab,
    [LABEL.run]: run,
    [LABEL.role]: role,
    [LABEL.version]: version,
  };
}

/**
 * A filter for list calls: everything of one lab (of one of its runs), or of every lab (objects with a lab label:
 * a simulated cluster's hosts carry the tool's label but belong to no lab, and stay).
 */
export function labelFilter(lab?: string, run?: string): { label: string[] } {
  return {
    label: [
      `${LABEL.tool}=${TOOL}`,
      lab ? `${LABEL.lab}=${lab}` : LABEL.lab,
      ...(run ? [`${LABEL.run}=${run}`] : []),
    ],
  };
}

/** A filter for a simulated cluster's objects, or every cluster's. */
export function clusterFilter(cluster?: string): { label: string[] } {
  return {
    label: [`${LABEL.tool}=${TOOL}`, cluster ? `${LABEL.cluster}=${cluster}` : LABEL.cluster],
  };
}

/** The `addresses` (and, with IPv6, `addresses6`) labels of a container with these attachments. */
export function addressLabels(
  attachments: readonly { network: string; ipv4: string; ipv6?: string }[],
): Record<string, string> {
  const v6 = attachments.filter((a) => a.ipv6 !== undefined);
  return {
    [LABEL.addresses]: attachments.map((a) => `${a.network}=${a.ipv4}`).join(","),
    ...(v6.length === 0
      ? {}
      : { [LABEL.addresses6]: v6.map((a) => `${a.network}=${a.ipv6}`).join(",") }),
  };
}

/** The `addresses` label read back: lab network → planned IPv4 address (`addresses6`: IPv6). */
export function plannedAddresses(label: string | undefined): Map<string, string> {
  const planned = new Map<string, string>();
  for (const pair of (label ?? "").split(",")) {
    const [network = "", address = ""] = pair.split("=");
    if (network !== "" && address !== "") planned.set(network, address);
  }
  return planned;
}
