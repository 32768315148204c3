/**
 * Connections whose measured fate differs from what `check` predicts of the topology: one that
 * should connect and never did, or one that should never connect and did. Pure.
 */
import type { Prediction } from "../lab/reachability.js";
import type { RecordedLine } from "./evaluate.js";

export interface Surprise {
  from: string;
  /** The connect as the lab file writes it. */
  uri: string;
  predicted: "connects" | "never connects";
  measured: "connected" | "never connected";
  /** The prediction's reason. */
  why: string;
}

/** Whether the node's agent reported the connection it dials as `target` connected, ever. */
function connectedEver(lines: readonly RecordedLine[], node: string, target: string): boolean {
  return lines.some(
    ({ node: n, line }) =>
      n === node &&
      line.target === target &&
      ((line.type === "event" && line.event === "connected") ||
        (line.type === "stats" && line.state === "connected")),
  );
}

export function surprisesOf(
  predictions: readonly Prediction[],
  lines: readonly RecordedLine[],
): Surprise[] {
  return predictions.flatMap((p) => {
    const measured = connectedEver(lines, p.from, p.dialed);
    if (measured === p.connects) return [];
    return [
      {
        from: p.from,
        uri: p.uri,
        predicted: p.connects ? "connects" : "never connects",
        measured: measured ? "connected" : "never connected",
        why: p.why,
      },
    ];
  });
}
