/**
 * A lab's nodes as the nodes panel shows them. Pure: a runtime's NodeInfo in, what to print
 * out. (Reading the engine's container list into a NodeInfo is the runtime's part.)
 */
import { naturalSort } from "../output/natural-compare.js";
import type { NodeInfo } from "../runtime/lab-runtime.js";

export type { NodeInfo };

/** "running", "killed" (exit 137: SIGKILL), "exited (0)", "paused", "restarting"... */
export function stateText(n: Pick<NodeInfo, "state" | "exitCode">): string {
  if (n.state !== "exited") return n.state;
  if (n.exitCode === 137) return "killed";
  return n.exitCode === null ? "exited" : `exited (${n.exitCode})`;
}

/**
 * "net 10.201.0.10", or "wan 10.202.0.1, lan -" when planned on lan but disconnected from it;
 * on a dual-stack network with its IPv6 address too: "net 10.201.0.10 fd77:201::a".
 */
export function networksText(n: Pick<NodeInfo, "networks" | "planned">): string {
  const now = new Map(
    n.networks.map((a) => [a.network, a.address6 ? `${a.address} ${a.address6}` : a.address]),
  );
  const names = naturalSort(new Set([...n.planned.map((p) => p.network), ...now.keys()]), (s) => s);
  return names.map((name) => `${name} ${now.get(name) || "-"}`).join(", ");
}
