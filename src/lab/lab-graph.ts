/**
 * A lab's topology as a picture: networks, routers (with their NAT and firewall marks), nodes
 * with their addresses (IPv6 after IPv4 where there is one), and each connect as an arrow to
 * the node it reaches. Written as Graphviz DOT or Mermaid text; `conntest-lab graph` renders
 * DOT to SVG or PNG. Pure.
 */
import { connectFamily, parseConnect } from "../agent/endpoint-uri.js";
import type { LabPlan } from "./address-plan.js";
import { canonicalIPv6 } from "./address6.js";
import type { Lab, LabRouter } from "./lab-types.js";

/** A router's or node's place on a network; `address6` only on a dual-stack one. */
export interface GraphLink {
  network: string;
  address: string;
  address6?: string;
}

export interface GraphModel {
  name: string;
  /** `subnet6` only on a dual-stack network. */
  networks: { name: string; subnet: string; subnet6?: string }[];
  routers: { name: string; marks: string[]; links: GraphLink[] }[];
  /** Nodes as the file writes them: a counted group is one box. */
  nodes: { name: string; count: number; links: GraphLink[] }[];
  connects: { from: string; to: string; label: string; dashed: boolean }[];
}

/** "NAT lan→wan", "forward tcp 8080→inside:1234", "firewall: deny by default, 2 rules". */
export function routerMarks(r: LabRouter): string[] {
  const marks: string[] = [];
  for (const m of r.nat?.masquerade ?? [])
    marks.push(`NAT ${m.from}→${m.to}${m.private === false ? " (routed)" : ""}`);
  for (const f of r.nat?.forward ?? [])
    marks.push(
      `forward ${f.proto} ${f.on ? `${f.on} ` : ""}:${f.port}→${f.to}:${f.to_port ?? f.port}`,
    );
  if (r.firewall !== undefined) {
    const rules = r.firewall.rules?.length ?? 0;
    marks.push(
      `firewall: ${r.firewall.default ?? "allow"} by default, ${rules} rule${rules === 1 ? "" : "s"}`,
    );
  }
  if ((r.impairments ?? []).length > 0)
    marks.push(`impaired: ${(r.impairments ?? []).map((i) => i.network).join(", ")}`);
  return marks;
}

/** The group (lab file node) a name or address stands for, and how it is reached. */
function targetOf(
  lab: Lab,
  plan: LabPlan,
  host: string,
  port: number,
): { to: string; via?: string } | null {
  const groupOf = new Map<string, string>();
  for (const n of plan.nodes) {
    groupOf.set(n.name, n.group);
    groupOf.set(n.group, n.group);
    for (const a of n.attachments) {
      if (a.address !== "") groupOf.set(a.address, n.group);
      if (a.address6 !== undefined) groupOf.set(a.address6, n.group);
    }
  }
  const direct = groupOf.get(host) ?? groupOf.get(canonicalIPv6(host));
  if (direct !== undefined) return { to: direct };
  // a router's address: its port forward, or the router itself
  for (const r of lab.routers ?? [])
    for (const i of r.interfaces) {
      if (i.address !== host) continue;
      const f = (r.nat?.forward ?? []).find(
        (fw) => fw.port === port && (fw.on === undefined || fw.on === i.network),
      );
      if (f !== undefined) return { to: groupOf.get(f.to) ?? f.to, via: `${r.name}:${f.port}` };
      return { to: r.name };
    }
  // a router's IPv6 address: the router (no NAT66, so no port forward)
  const router6 = plan.routers.find((r) =>
    r.interfaces.some((i) => i.address6 !== undefined && i.address6 === canonicalIPv6(host)),
  );
  return router6 === undefined ? null : { to: router6.name };
}

export function labGraph(lab: Lab, plan: LabPlan): GraphModel {
  const groups = new Map<string, GraphModel["nodes"][number]>();
  for (const n of plan.nodes) {
    const g = groups.get(n.group);
    if (g) {
      g.count += 1;
      continue;
    }
    groups.set(n.group, {
      name: n.group,
      count: 1,
      links: n.attachments.map((a) => linkOf(a.network, a.address, a.address6)),
    });
  }
  const outside = new Set<string>();
  const connects: GraphModel["connects"] = [];
  for (const node of lab.nodes ?? [])
    for (const uri of node.connect ?? []) {
      let spec: ReturnType<typeof parseConnect>;
      try {
        spec = parseConnect(uri);
      } catch {
        continue; // the lab file check names it
      }
      const target = targetOf(lab, plan, spec.host, spec.port);
      const to = target?.to ?? spec.host;
      if (target === null) outside.add(spec.host);
      const opts = [
        connectFamily(spec) === 6 ? "IPv6" : "",
        spec.monitorBandwidth ? "bandwidth" : "",
        spec.streams > 1 ? `×${spec.streams}` : "",
      ].filter(Boolean);
      connects.push({
        from: node.name,
        to,
        label: `${spec.proto} ${spec.port}${target?.via ? ` via ${target.via}` : ""}${opts.length ? ` (${opts.join(" ")})` : ""}`,
        dashed: spec.proto === "udp",
      });
    }
  return {
    name: lab.name,
    networks: plan.networks.map((n) =>
      n.subnet6 === undefined
        ? { name: n.name, subnet: n.subnet }
        : { name: n.name, subnet: n.subnet, subnet6: n.subnet6 },
    ),
    routers: (lab.routers ?? []).map((r) => ({
      name: r.name,
      marks: routerMarks(r),
      links: r.interfaces.map((i, j) =>
        linkOf(
          i.network,
          i.address,
          plan.routers.find((p) => p.name === r.name)?.interfaces[j]?.address6,
        ),
      ),
    })),
    nodes: [
      ...groups.values(),
      ...[...outside].map((host) => ({ name: host, count: 0, links: [] })),
    ],
    connects,
  };
}

const linkOf = (network: string, address: string, address6: string | undefined): GraphLink =>
  address6 === undefined ? { network, address } : { network, address, address6 };

/** A network's label: its name, subnet and (dual-stack) subnet6, one a line. */
const networkLabel = (n: GraphModel["networks"][number]) =>
  [n.name, n.subnet, ...(n.subnet6 === undefined ? [] : [n.subnet6])].join("\n");

/** A node's label: its name (and count), its IPv4 addresses, then its IPv6 ones on a line of their own. */
function nodeLabel(n: GraphModel["nodes"][number]): string {
  if (n.count === 0) return `${n.name}\n(outside the lab)`;
  const v6 = n.links.flatMap((l) => (l.address6 === undefined ? [] : [l.address6]));
  return [
    `${n.name}${n.count > 1 ? ` ×${n.count}` : ""}`,
    n.links.map((l) => l.address).join(", "),
    ...(v6.length === 0 ? [] : [v6.join(", ")]),
  ].join("\n");
}

/** A router's address on a network: IPv4, then IPv6 below it. */
const linkLabel = (l: GraphLink) =>
  l.address6 === undefined ? l.address : `${l.address}\n${l.address6}`;

const dotId = (kind: string, name: string) => `"${kind}:${name.replace(/"/g, '\\"')}"`;
const dotText = (text: string) =>
  text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

/** Graphviz DOT: networks as boxes, routers as hexagons, nodes as ellipses, connects as arrows. */
export function toDot(g: GraphModel): string {
  const lines = [
    `digraph "${dotText(g.name)}" {`,
    // a spring layout: a network sits among what is attached to it, as on a whiteboard
    '  layout=neato; overlap=false; splines=true; sep="+12"; esep="+6";',
    '  node [fontname="Helvetica", fontsize=10];',
    '  edge [fontname="Helvetica", fontsize=9];',
  ];
  for (const n of g.networks)
    lines.push(
      `  ${dotId("net", n.name)} [shape=box, style="rounded,filled", fillcolor="#dbe8fb", label="${dotText(networkLabel(n))}"];`,
    );
  for (const r of g.routers)
    lines.push(
      `  ${dotId("router", r.name)} [shape=hexagon, style=filled, fillcolor="#fde7c4", label="${dotText([r.name, ...r.marks].join("\n"))}"];`,
    );
  const nodeIds = new Map<string, string>();
  for (const n of g.nodes) {
    const id = dotId("node", n.name);
    nodeIds.set(n.name, id);
    const label = nodeLabel(n);
    lines.push(
      `  ${id} [shape=ellipse${n.count === 0 ? ", style=dashed" : ""}, label="${dotText(label)}"];`,
    );
  }
  for (const r of g.routers)
    for (const l of r.links)
      lines.push(
        `  ${dotId("router", r.name)} -> ${dotId("net", l.network)} [dir=none, label="${dotText(linkLabel(l))}"];`,
      );
  for (const n of g.nodes)
    for (const l of n.links)
      lines.push(
        `  ${dotId("node", n.name)} -> ${dotId("net", l.network)} [dir=none, color=gray40];`,
      );
  const routerNames = new Set(g.routers.map((r) => r.name));
  for (const c of g.connects) {
    const to = routerNames.has(c.to)
      ? dotId("router", c.to)
      : (nodeIds.get(c.to) ?? dotId("node", c.to));
    lines.push(
      `  ${dotId("node", c.from)} -> ${to} [color="#1a73e8", fontcolor="#1a73e8", constraint=false${c.dashed ? ", style=dashed" : ""}, xlabel="${dotText(c.label)}"];`,
    );
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

/** A Mermaid id: letters, digits and _ only. */
const mmId = (kind: string, name: string) => `${kind}_${name.replace(/[^A-Za-z0-9]/g, "_")}`;
const mmText = (text: string) => `"${text.replace(/"/g, "#quot;").replace(/\n/g, "<br/>")}"`;

/** Mermaid flowchart: the same picture, for Markdown (GitHub renders it). */
export function toMermaid(g: GraphModel): string {
  const lines = ["flowchart LR"];
  for (const n of g.networks) lines.push(`  ${mmId("net", n.name)}[(${mmText(networkLabel(n))})]`);
  for (const r of g.routers)
    lines.push(`  ${mmId("router", r.name)}{{${mmText([r.name, ...r.marks].join("\n"))}}}`);
  for (const n of g.nodes) lines.push(`  ${mmId("node", n.name)}([${mmText(nodeLabel(n))}])`);
  for (const r of g.routers)
    for (const l of r.links)
      lines.push(
        `  ${mmId("router", r.name)} ---|${mmText(linkLabel(l))}| ${mmId("net", l.network)}`,
      );
  for (const n of g.nodes)
    for (const l of n.links) lines.push(`  ${mmId("node", n.name)} --- ${mmId("net", l.network)}`);
  const routerNames = new Set(g.routers.map((r) => r.name));
  for (const c of g.connects) {
    const to = routerNames.has(c.to) ? mmId("router", c.to) : mmId("node", c.to);
    lines.push(
      `  ${mmId("node", c.from)} ${c.dashed ? "-." : "=="} ${mmText(c.label)} ${c.dashed ? ".->" : "==>"} ${to}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
