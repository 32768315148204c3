/**
 * IPv6 arithmetic of a dual-stack lab network (`subnet6`). Pure: no I/O.
 *
 * A lab's IPv6 plan follows its IPv4 plan: an attachment without `address6` gets the address
 * at the same offset in `subnet6` as its IPv4 address has in `subnet` (10.77.1.5 ↔ fd77:1::5),
 * so the two read alike; when that one is taken, the lowest free one.
 */

import ipaddr from "ipaddr.js";

/** An IPv6 block: its network address (as a number) and prefix. */
export interface Cidr6 {
  network: bigint;
  prefix: number;
}

/** An IPv6 address in any of its written forms; undefined when not one (or an IPv4 one). */
export function parseIPv6(text: string): ipaddr.IPv6 | undefined {
  return ipaddr.IPv6.isValid(text) && !text.includes("%") ? ipaddr.IPv6.parse(text) : undefined;
}

const toBig = (a: ipaddr.IPv6): bigint =>
  a.parts.reduce((n, part) => (n << 16n) | BigInt(part), 0n);

function fromBig(n: bigint): ipaddr.IPv6 {
  const parts: number[] = [];
  for (let i = 7; i >= 0; i--) parts.push(Number((n >> BigInt(i * 16)) & 0xffffn));
  return new ipaddr.IPv6(parts);
}

/** `fd77:1::/64`; undefined when not IPv6 CIDR notation. `hostBits` when the address as written is not the network's. */
export function parseCidr6(text: string): (Cidr6 & { hostBits: boolean }) | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) return undefined;
  const address = parseIPv6(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (address === undefined || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > 128) return undefined;
  const written = toBig(address);
  const network = (written >> BigInt(128 - prefix)) << BigInt(128 - prefix);
  return { network, prefix, hostBits: network !== written };
}

/** The canonical text of an address: `fd77:1::5`. */
export const formatIPv6 = (a: ipaddr.IPv6): string => a.toString();

/** The canonical text of a written address; the text itself when it is not one. */
export function canonicalIPv6(text: string): string {
  const a = parseIPv6(text);
  return a === undefined ? text : formatIPv6(a);
}

export const formatCidr6 = (c: Cidr6): string => `${formatIPv6(fromBig(c.network))}/${c.prefix}`;

const size6 = (c: Cidr6): bigint => 1n << BigInt(128 - c.prefix);

/** The address `offset` above the network address; undefined when outside the block. */
export function addressAt6(c: Cidr6, offset: bigint): string | undefined {
  if (offset < 0n || offset >= size6(c)) return undefined;
  return formatIPv6(fromBig(c.network + offset));
}

/** Where an address lies: outside, the subnet-router anycast address (the network's), or a host address. */
export function placeIn6(c: Cidr6, text: string): "outside" | "network" | "host" {
  const a = parseIPv6(text);
  if (a === undefined) return "outside";
  const offset = toBig(a) - c.network;
  if (offset < 0n || offset >= size6(c)) return "outside";
  return offset === 0n ? "network" : "host";
}

export function cidrs6Overlap(a: Cidr6, b: Cidr6): boolean {
  const prefix = Math.min(a.prefix, b.prefix);
  const shift = BigInt(128 - prefix);
  return a.network >> shift === b.network >> shift;
}

/**
 * The allocator of one network's IPv6 addresses: given ones marked first, then each taken at
 * its IPv4 twin's offset when free, else the lowest free one.
 */
export class Address6Pool {
  private readonly used = new Set<string>();
  private next = 1n;

  constructor(readonly cidr: Cidr6) {}

  mark(text: string): void {
    this.used.add(canonicalIPv6(text));
  }

  /** An address for an attachment whose IPv4 address sits `offset4` above its subnet's network; "" when full. */
  take(offset4: number | undefined): string {
    if (offset4 !== undefined && offset4 > 0) {
      const twin = addressAt6(this.cidr, BigInt(offset4));
      if (twin !== undefined && !this.used.has(twin)) {
        this.used.add(twin);
        return twin;
      }
    }
    // a /64 has more addresses than a lab has members: this loop ends long before the block does
    for (; this.next < size6(this.cidr); this.next++) {
      const a = addressAt6(this.cidr, this.next) as string;
      if (!this.used.has(a)) {
        this.used.add(a);
        return a;
      }
    }
    return "";
  }
}
