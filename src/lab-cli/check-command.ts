/**
 * `conntest-lab check FILE`: the lab file checked as `up` checks it, with nothing created, and
 * what its topology should do with every connect, and why (reachability.ts).
 */
import type { LabPlan } from "../lab/address-plan.js";
import { readLab } from "../lab/load-lab.js";
import { type Prediction, predictConnects } from "../lab/reachability.js";
import { LAB_EXIT, type LabIo } from "../lab-session/lab-io.js";
import { labErrors } from "../lab-session/session.js";
import { fitWidths, padCells } from "../output/table-text.js";

/** Predictions with a counted group's members folded into one row where they all fare the same. */
export function foldMembers(
  plan: LabPlan,
  predictions: readonly Prediction[],
): (Prediction & { members: number })[] {
  const groupOf = new Map(plan.nodes.map((n) => [n.name, n.group]));
  const rows: (Prediction & { members: number })[] = [];
  const byKey = new Map<string, Prediction & { members: number }>();
  for (const p of predictions) {
    const group = groupOf.get(p.from) ?? p.from;
    const key = `${group}\u0000${p.uri}\u0000${p.kind}\u0000${p.why}`;
    const seen = byKey.get(key);
    if (seen !== undefined && group !== p.from) {
      seen.members += 1;
      seen.from = `${group} ×${seen.members}`;
      continue;
    }
    const row = { ...p, members: 1 };
    byKey.set(key, row);
    rows.push(row);
  }
  return rows;
}

export function predictionTable(rows: readonly (Prediction & { members: number })[]): string {
  const titles = ["from", "connect", "fate", "why"];
  const cells = rows.map((p) => [p.from, p.uri, p.connects ? "connects" : "never connects", p.why]);
  const widths = fitWidths(cells, titles);
  return `${[titles, ...cells].map((c) => padCells(c, widths).trimEnd()).join("\n")}\n`;
}

export async function checkCommand(file: string, opts: { json?: boolean }, io: LabIo) {
  const read = await readLab(file);
  if (!read.ok) throw labErrors(read.errors, file, io);
  const { lab, plan } = read;
  const predictions = predictConnects(lab, plan);
  if (opts.json) {
    io.out(`${JSON.stringify({ file, lab: lab.name, valid: true, connects: predictions })}\n`);
    return LAB_EXIT.ok;
  }
  const n = (count: number, what: string) => `${count} ${what}${count === 1 ? "" : "s"}`;
  const counts = [
    n(plan.networks.length, "network"),
    n(plan.routers.length, "router"),
    n(plan.nodes.length, "node"),
    n(predictions.length, "connect"),
  ].join(", ");
  io.out(`${file}: lab ${lab.name} is valid (${counts}); nothing was created\n`);
  if (predictions.length > 0) {
    const reach = predictions.filter((p) => p.connects).length;
    io.out(
      `what the topology should do with each connect (${reach} connect, ${predictions.length - reach} never):\n`,
    );
    io.out(predictionTable(foldMembers(plan, predictions)));
  }
  io.out("checked without an engine: subnets in use on it and netem are checked at up and test\n");
  return LAB_EXIT.ok;
}
