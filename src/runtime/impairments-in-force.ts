/**
 * The impairments in force on a running lab's interfaces, read from the state files its
 * containers keep (net-script.ts): what `impair --show` prints, and what an impairment set
 * for a while is put back to. Through the runtime's exec, so on any runtime.
 */
import {
  type ImpairmentRecord,
  type ImpairmentSpec,
  readImpairmentFile,
} from "../lab/impairment-state.js";
import { NET_DIR } from "../lab/net-script.js";
import { naturalSort } from "../output/natural-compare.js";
import { ChaosError } from "./errors.js";
import type { LabRuntime, NodeInfo } from "./lab-runtime.js";

/** One interface of a node or router, and what impairs it. */
export interface InterfaceImpairment {
  node: string;
  role: string;
  network: string;
  /** impaired or none; unknown when the container could not be asked (not running, paused). */
  state: "impaired" | "none" | "unknown";
  /** What was asked for (null: none, or a file that does not say). */
  asked: ImpairmentSpec | null;
  /** What the kernel was told: the root qdisc and the drop probability. */
  made: ImpairmentRecord["state"] | null;
  /** Why it is unknown. */
  note?: string;
}

const MARK = "@@ ";

/** Prints every state file of the container, each after a line `@@ NETWORK`. */
export const LIST_SCRIPT = `cd ${NET_DIR}/impair 2>/dev/null || exit 0
for f in *; do [ -f "$f" ] || continue; echo "${MARK}$f"; cat "$f"; echo; done`;

/** The state files LIST_SCRIPT printed, by network. */
export function parseListing(output: string): Map<string, ImpairmentRecord> {
  const files = new Map<string, ImpairmentRecord>();
  let network: string | null = null;
  let body: string[] = [];
  const flush = () => {
    if (network !== null) files.set(network, readImpairmentFile(body.join("\n")));
  };
  for (const line of output.split("\n")) {
    if (line.startsWith(MARK)) {
      flush();
      network = line.slice(MARK.length).trim();
      body = [];
    } else body.push(line);
  }
  flush();
  return files;
}

/** The rows of one node: each network it is planned on, with its file's record if any. */
export function interfaceRows(
  node: NodeInfo,
  files: Map<string, ImpairmentRecord> | null,
  note?: string,
): InterfaceImpairment[] {
  return node.planned.map(({ network }) => {
    const base = { node: node.name, role: node.role, network };
    if (files === null)
      return { ...base, state: "unknown", asked: null, made: null, ...(note ? { note } : {}) };
    const record = files.get(network);
    if (record === undefined) return { ...base, state: "none", asked: null, made: null };
    return { ...base, state: "impaired", asked: record.asked, made: record.state };
  });
}

/** Every interface of the lab's nodes and routers (or of `only`), read from the containers. */
export async function impairmentsInForce(
  runtime: LabRuntime,
  lab: string,
  only?: string,
): Promise<InterfaceImpairment[]> {
  const nodes = naturalSort(
    (await runtime.nodes(lab)).filter((n) => only === undefined || n.name === only),
    (n) => n.name,
  );
  const rows = await Promise.all(
    nodes.map(async (node) => {
      if (node.state !== "running")
        return interfaceRows(node, null, `${node.state}: its files cannot be read`);
      try {
        const r = await runtime.exec(lab, node.name, LIST_SCRIPT);
        if (r.code !== 0) return interfaceRows(node, null, r.output.trim() || `exit ${r.code}`);
        return interfaceRows(node, parseListing(r.output));
      } catch (err) {
        return interfaceRows(node, null, (err as Error).message);
      }
    }),
  );
  return rows.flat();
}

/**
 * The impairment on one interface now (null: none), to be put back after one set for a while
 * (`impair --for`, a step's `for:`); a ChaosError when it cannot be told.
 */
export async function impairmentToPutBack(
  runtime: LabRuntime,
  lab: string,
  node: string,
  network: string,
): Promise<ImpairmentSpec | null> {
  const row = (await impairmentsInForce(runtime, lab, node)).find((r) => r.network === network);
  if (row === undefined || row.state === "none") return null;
  if (row.state === "unknown" || row.asked === null)
    throw new ChaosError(
      `cannot tell what impairs ${node} on ${network} now (${row.note ?? "its file does not say"}), so it could not be put back`,
    );
  return row.asked;
}
