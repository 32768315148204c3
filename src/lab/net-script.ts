/**
 * The network script of one lab container: its routes, iptables rules and
 * impairments as one idempotent `sh` script. Pure: no I/O.
 *
 * The container runs it at every start, and the controller runs it again
 * after a network is cut or put back and after `impair`/`clear`. Running it
 * twice gives the same state as running it once; it never stacks a rule.
 *
 * Why a script and not fixed lines: Docker names a container's interfaces
 * when it attaches them, and a network cut and put back comes back under a new
 * name (eth1 becomes eth2); it also puts its own default route back at every
 * connect and disconnect. So the script finds each interface by its planned
 * address, removes Docker's default route, and rebuilds everything that names
 * an interface:
 * - routes with `ip route replace`;
 * - iptables rules in chains of our own (CT-FWD, CT-GUARD, CT-OUT in filter;
 *   CT-PRE, CT-POST in nat), replaced in one atomic `iptables-restore
 *   --noflush`, so no packet ever sees half a rule set; Docker's own rules
 *   (its DNS in the nat table) are left alone;
 * - impairments from the state files in /run/conntest-lab/impair/NETWORK
 *   (impairment-state.ts), which `impair` and `clear` rewrite.
 * A rule or route that needs an interface that is missing (its network is
 * cut) is left out until the interface is back.
 */

import { type ImpairmentSpec, impairmentFile, impairmentState } from "./impairment-state.js";

/** The shell variable that holds the interface on a network (names have no `_`). */
export function interfaceVar(network: string): string {
  return `IF_${network.replace(/-/g, "_")}`;
}

/** Where the script and its state live inside the container. */
export const NET_DIR = "/run/conntest-lab";
export const NET_SCRIPT = `${NET_DIR}/net.sh`;
export const impairmentPath = (network: string) => `${NET_DIR}/impair/${network}`;

/**
 * The shell line that makes `impairment` the one in force on `network` (its state file
 * written, or removed when it impairs nothing); the script applies it on its next run.
 */
export function impairmentStateLine(network: string, impairment: ImpairmentSpec | null): string {
  const file = impairment === null ? null : impairmentFile(impairmentState(impairment), impairment);
  if (file === null) return `rm -f ${impairmentPath(network)}`;
  const quoted = `'${file.replace(/'/g, `'\\''`)}'`;
  return `mkdir -p ${NET_DIR}/impair && printf '%s' ${quoted} > ${impairmentPath(network)}`;
}

/**
 * One iptables rule, as `iptables-restore` takes it after `-A CHAIN`. `{if:NET}` stands for
 * the container's interface on network NET.
 */
export interface NetRule {
  table: "filter" | "nat";
  chain: string;
  args: string;
}

/** A static route; `network` is the one `via` is on. */
export interface NetRoute {
  subnet: string;
  via: string;
  network: string;
}

export interface NetScriptSpec {
  /** The container's name in the lab, for messages. */
  name: string;
  /** Routers decide what they forward (FORWARD); nodes only impair what they send (OUTPUT). */
  hook: "FORWARD" | "OUTPUT";
  /** Each network the container is on, and its planned addresses there (IPv6 on dual-stack networks). */
  interfaces: { network: string; address: string; address6?: string }[];
  routes: NetRoute[];
  /** In order, per chain. The hook's chain gets the impairment loss rules first. */
  rules: NetRule[];
  /** IPv6 routes, where the container has an IPv6 address. */
  routes6?: NetRoute[];
  /** ip6tables rules (filter table only: no NAT66), as `rules`. */
  rules6?: NetRule[];
}

/** Our chains, and the built-in chain each is jumped to from (CT-GUARD only from CT-FWD). */
const JUMPS: Record<string, { table: "filter" | "nat"; from: string }> = {
  "CT-FWD": { table: "filter", from: "FORWARD" },
  "CT-OUT": { table: "filter", from: "OUTPUT" },
  "CT-PRE": { table: "nat", from: "PREROUTING" },
  "CT-POST": { table: "nat", from: "POSTROUTING" },
};

export const hookChain = (hook: NetScriptSpec["hook"]) =>
  hook === "FORWARD" ? "CT-FWD" : "CT-OUT";

const IF_TOKEN = /\{if:([a-z0-9-]+)\}/g;
/** What may stand in a rule or route: no quotes, backslashes, backticks or `$`. */
const SAFE = /^[A-Za-z0-9 ._:/,%!=+-]*$/;

/** `[ -n "$IF_a" ] && ` for each interface the text needs; the text with `$IF_a` put in. */
function needing(text: string): { guard: string; text: string } {
  const vars = [...new Set([...text.matchAll(IF_TOKEN)].map((m) => interfaceVar(m[1] as string)))];
  const withVars = text.replace(IF_TOKEN, (_, network: string) => `$${interfaceVar(network)}`);
  if (!SAFE.test(text.replace(IF_TOKEN, "")))
    throw new Error(`unsafe text in a network script: ${text}`);
  return { guard: vars.map((v) => `[ -n "$${v}" ] && `).join(""), text: withVars };
}

/** A double-quoted shell word that may hold `$IF_x` and nothing else to expand. */
const dq = (s: string) => `"${s}"`;

function routeLines(ip: "ip route" | "ip -6 route", routes: NetRoute[]): string[] {
  return routes.map((r) => {
    const route = needing(`${ip} replace ${r.subnet} via ${r.via} dev {if:${r.network}}`);
    return `${route.guard}{ ${route.text} || fail ${dq(route.text)}; }`;
  });
}

/**
 * Every chain of ours in one atomic `iptables-restore` (or ip6tables-restore: filter only, no
 * NAT66), with the impairment loss rules first in the hook's chain, then the jumps to them.
 */
function filterLines(
  cmd: "iptables" | "ip6tables",
  spec: NetScriptSpec,
  rules: NetRule[],
  file: string,
): string[] {
  const hook = hookChain(spec.hook);
  const lines: string[] = [];
  const tables = (["filter", "nat"] as const).filter(
    (t) => t === "filter" || rules.some((r) => r.table === t),
  );
  const chainsOf = (table: "filter" | "nat") => {
    const chains = rules.filter((r) => r.table === table).map((r) => r.chain);
    if (table === "filter") chains.unshift(hook);
    return [...new Set(chains)];
  };
  lines.push("{");
  for (const table of tables) {
    lines.push(`  echo '*${table}'`);
    for (const chain of chainsOf(table)) lines.push(`  echo ':${chain} - [0:0]'`);
    if (table === "filter") {
      // impairment loss first, ahead of any ACCEPT
      for (const i of spec.interfaces) {
        const v = interfaceVar(i.network);
        lines.push(
          `  if [ -n "$${v}" ]; then imp ${i.network}; [ -z "$LOSS" ] || echo "-A ${hook} -o $${v} -m statistic --mode random --probability $LOSS -j DROP"; fi`,
        );
      }
    }
    for (const rule of rules.filter((r) => r.table === table)) {
      const r = needing(`-A ${rule.chain} ${rule.args}`);
      lines.push(`  ${r.guard}echo ${dq(r.text)}`);
    }
    lines.push("  echo COMMIT");
  }
  lines.push(
    `} > "$D/${file}"`,
    `${cmd}-restore --noflush "$D/${file}" || fail "${cmd}-restore $D/${file}"`,
  );
  for (const table of tables) {
    for (const chain of chainsOf(table)) {
      const jump = JUMPS[chain];
      if (jump === undefined) continue;
      const t = jump.table === "nat" ? "-t nat " : "";
      lines.push(
        `${cmd} ${t}-C ${jump.from} -j ${chain} 2>/dev/null || ${cmd} ${t}-A ${jump.from} -j ${chain} || fail "jump to ${chain}"`,
      );
    }
  }
  return lines;
}

export function netScript(spec: NetScriptSpec): string {
  const lines: string[] = [
    `# conntest-lab: the network of ${spec.name} (generated; run at every start, and again after`,
    "# a network is cut or put back and after impair/clear: it is idempotent)",
    `D=${NET_DIR}`,
    `fail() { echo "conntest-lab: network set-up of ${spec.name} failed: $*" >&2; exit 78; }`,
    `ifof() { ip -o -4 addr show | awk -v a="$1/" 'index($4, a) == 1 { print $2; exit }'; }`,
    `imp() { QDISC=; LOSS=; [ ! -f "$D/impair/$1" ] || . "$D/impair/$1"; }`,
  ];
  const ipv6 = spec.interfaces.some((i) => i.address6 !== undefined);
  if (spec.hook === "FORWARD") {
    // forward nothing that the rules below have not decided on
    lines.push(`iptables -P FORWARD DROP || fail "iptables -P FORWARD DROP"`);
    if (ipv6) lines.push(`ip6tables -P FORWARD DROP || fail "ip6tables -P FORWARD DROP"`);
  }
  for (const i of spec.interfaces) {
    if (!SAFE.test(i.address)) throw new Error(`unsafe address ${i.address}`);
    lines.push(`${interfaceVar(i.network)}=$(ifof ${i.address})`);
  }
  lines.push(
    "# Docker puts a default route back at every network connect and disconnect: nothing leaves the lab",
    "while ip route del default 2>/dev/null; do :; done",
  );
  if (ipv6) lines.push("while ip -6 route del default 2>/dev/null; do :; done");
  lines.push(...routeLines("ip route", spec.routes));
  lines.push(...filterLines("iptables", spec, spec.rules, "rules"));
  if (ipv6) {
    lines.push(...routeLines("ip -6 route", spec.routes6 ?? []));
    lines.push(...filterLines("ip6tables", spec, spec.rules6 ?? [], "rules6"));
  }

  // impairments: the qdisc in force, or Docker's default one
  for (const i of spec.interfaces) {
    const v = interfaceVar(i.network);
    lines.push(
      `if [ -n "$${v}" ]; then imp ${i.network}; if [ -n "$QDISC" ]; then tc qdisc replace dev "$${v}" root $QDISC || fail "tc qdisc replace dev $${v} root $QDISC"; else tc qdisc del dev "$${v}" root 2>/dev/null || true; fi; fi`,
    );
  }
  return `${lines.join("\n")}\n`;
}
