/**
 * The tail of an overlay network's subnet that the lab leaves to Docker. On a Swarm overlay
 * Docker takes the gateway and one load-balancer address per joining host from the subnet
 * itself, at run time; a container that asks for one of those later fails (after 20 s,
 * "Address already in use"). So the lab gives Docker the last eighth of the subnet as its
 * ip-range and plans its own addresses below it. Pure.
 */

import { addressAt, type Cidr4, formatCidr4, hostRange, parseCidr4 } from "./address-plan.js";

/** The largest prefix an overlay can have: a /27's tail is a /30, room for a gateway and two hosts. */
export const OVERLAY_MAX_PREFIX = 27;

export interface OverlayReserve {
  /** The tail as CIDR, e.g. 10.77.1.224/27 of 10.77.1.0/24: Docker's ip-range. */
  ipRange: string;
  /** Its first address as an offset from the network address: the lab's addresses stay below. */
  firstOffset: number;
  /** The last usable address of the subnet (so of the tail): the overlay's gateway. */
  gateway: string;
}

/** The reserved tail of an overlay's subnet; undefined when the subnet is too small (a /28 or smaller). */
export function overlayReserve(cidr: Cidr4): OverlayReserve | undefined {
  if (cidr.prefix > OVERLAY_MAX_PREFIX) return undefined;
  const size = 2 ** (32 - cidr.prefix);
  const firstOffset = size - size / 8;
  const start = addressAt(cidr, firstOffset);
  return {
    ipRange: `${start.toString()}/${cidr.prefix + 3}`,
    firstOffset,
    gateway: addressAt(cidr, hostRange(cidr).last).toString(),
  };
}

/** overlayReserve of a subnet written as CIDR; undefined when it does not parse or is too small. */
export function overlayReserveOf(subnet: string): OverlayReserve | undefined {
  const cidr = parseCidr4(subnet);
  return cidr === undefined ? undefined : overlayReserve(cidr);
}

/** "10.77.1.224/27 (kept for Docker's overlay gateway and load balancers)", for messages. */
export function reserveText(cidr: Cidr4, reserve: OverlayReserve): string {
  return `${reserve.ipRange}, the last eighth of ${formatCidr4(cidr)}, kept for Docker's overlay gateway and its load-balancer address on each host`;
}
