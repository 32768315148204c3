/**
 * A lab's topology as a picture: networks, routers (with their NAT and firewall marks), nodes
 * with their addresses, and each connect as an arrow to the node it reaches. Written as
 * Graphviz DOT or Mermaid text; `conntest-lab graph` renders DOT to SVG or PNG. Pure.
 */
import { parseConnect } from "../agent/endpoint-uri.js";
import type { LabPlan } from "./address-plan.js";
import type { Lab, LabRouter } from "./lab-types.js";

export interface GraphModel {
  name: string;
  networks: { name: string; subnet: string }[];
  routers: { name: string; marks: string[]; links: { network: string; address: string }[] }[];
  /** Nodes as the file writes them: a counted group is one box. */
  nodes: { name: string; count: number; links: { network: string; address: string }[] }[];
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
    for (const a of n.attachments) if (a.address !== "") groupOf.set(a.address, n.group);
  }
  const direct = groupOf.get(host);
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
  return null;
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
      links: n.attachments.map((a) => ({ network: a.network, address: a.address })),
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
    networks: plan.networks.map((n) => ({ name: n.name, subnet: n.subnet })),
    routers: (lab.routers ?? []).map((r) => ({
      name: r.name,
      marks: routerMarks(r),
      links: r.interfaces.map((i) => ({ network: i.network, address: i.address })),
    })),
    nodes: [
      ...groups.values(),
      ...[...outside].map((host) => ({ name: host, count: 0, links: [] })),
    ],
    connects,
  };
}

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
      `  ${dotId("net", n.name)} [shape=box, style="rounded,filled", fillcolor="#dbe8fb", label="${dotText(`${n.name}\n${n.subnet}`)}"];`,
    );
  for (const r of g.routers)
    lines.push(
      `  ${dotId("router", r.name)} [shape=hexagon, style=filled, fillcolor="#fde7c4", label="${dotText([r.name, ...r.marks].join("\n"))}"];`,
    );
  const nodeIds = new Map<string, string>();
  for (const n of g.nodes) {
    const id = dotId("node", n.name);
    nodeIds.set(n.name, id);
    const label =
      n.count === 0
        ? `${n.name}\n(outside the lab)`
        : `${n.name}${n.count > 1 ? ` ×${n.count}` : ""}\n${n.links.map((l) => l.address).join(", ")}`;
    lines.push(
      `  ${id} [shape=ellipse${n.count === 0 ? ", style=dashed" : ""}, label="${dotText(label)}"];`,
    );
  }
  for (const r of g.routers)
    for (const l of r.links)
      lines.push(
        `  ${dotId("router", r.name)} -> ${dotId("net", l.network)} [dir=none, label="${dotText(l.address)}"];`,
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
  for (const n of g.networks)
    lines.push(`  ${mmId("net", n.name)}[(${mmText(`${n.name}\n${n.subnet}`)})]`);
  for (const r of g.routers)
    lines.push(`  ${mmId("router", r.name)}{{${mmText([r.name, ...r.marks].join("\n"))}}}`);
  for (const n of g.nodes) {
    const label =
      n.count === 0
        ? `${n.name}\n(outside the lab)`
        : `${n.name}${n.count > 1 ? ` ×${n.count}` : ""}\n${n.links.map((l) => l.address).join(", ")}`;
    lines.push(`  ${mmId("node", n.name)}([${mmText(label)}])`);
  }
  for (const r of g.routers)
    for (const l of r.links)
      lines.push(`  ${mmId("router", r.name)} ---|${mmText(l.address)}| ${mmId("net", l.network)}`);
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
