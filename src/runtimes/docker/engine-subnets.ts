import type Docker from "dockerode";
import type { ExistingSubnet } from "../../lab/validate-lab.js";
import { LABEL } from "./labels.js";

/** Subnets of the engine's networks, except the lab's own (a lab brought up again must not clash with itself). */
export async function engineSubnets(docker: Docker, lab?: string): Promise<ExistingSubnet[]> {
  const networks = await docker.listNetworks();
  return networks
    .filter((n) => !lab || n.Labels?.[LABEL.lab] !== lab)
    .flatMap((n) => (n.IPAM?.Config ?? []).map((c) => ({ name: n.Name, subnet: c.Subnet ?? "" })))
    .filter((s) => s.subnet.includes("/"));
}
