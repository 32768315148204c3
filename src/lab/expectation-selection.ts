/**
 * An expectation that selects no connection is caught when the file is checked, not after a
 * run: its from, to, proto and port are matched against the connects the lab makes (each
 * counted member's own), as the test matches them against the connections it saw. Pure.
 */
import picomatch from "picomatch";
import { connectFamily, parseConnect } from "../agent/endpoint-uri.js";
import type { LabPlan } from "./address-plan.js";
import type { Lab, LabIssue } from "./lab-types.js";
import type { Prediction } from "./reachability.js";
import { kindsOf } from "./validate-scenario.js";

/** A selector's `from` or `to`: a name or glob; absent matches every name. */
export const nameMatcher = (glob: string | undefined): ((name: string) => boolean) =>
  glob === undefined ? () => true : picomatch(glob);

/** "client-1 → server:1234 tcp", as the test names a connection. */
function connectText(p: Prediction): string {
  try {
    const spec = parseConnect(p.dialed);
    const host = p.to ?? (spec.host.includes(":") ? `[${spec.host}]` : spec.host);
    return `${p.from} → ${host}:${spec.port} ${spec.proto}`;
  } catch {
    return `${p.from} → ${p.uri}`;
  }
}

export function selectionIssues(
  lab: Lab,
  _plan: LabPlan,
  predictions: readonly Prediction[],
): LabIssue[] {
  const issues: LabIssue[] = [];
  lab.expect?.forEach((e, i) => {
    if (kindsOf(e)[0] === "no_crash") return;
    const from = nameMatcher(e.from);
    const to = nameMatcher(e.to);
    const hits = predictions.filter((p) => {
      let spec: ReturnType<typeof parseConnect>;
      try {
        spec = parseConnect(p.dialed);
      } catch {
        return false;
      }
      const target = p.to ?? spec.host;
      return (
        from(p.from) &&
        to(target) &&
        (e.proto === undefined || spec.proto === e.proto) &&
        (e.port === undefined || spec.port === e.port) &&
        (e.family === undefined || connectFamily(spec) === e.family)
      );
    });
    if (hits.length > 0) return;
    const key = (["from", "to", "proto", "port", "family"] as const).find(
      (k) => e[k] !== undefined,
    );
    const all = predictions.map(connectText);
    issues.push({
      code: "NOT_CONNECTED",
      path: key === undefined ? ["expect", i] : ["expect", i, key],
      message: `this expectation selects no connection: the lab makes none ${[
        e.from ? `from ${e.from}` : "",
        e.to ? `to ${e.to}` : "",
        e.proto ? `over ${e.proto}` : "",
        e.port !== undefined ? `to port ${e.port}` : "",
        e.family !== undefined ? `over IPv${e.family}` : "",
      ]
        .filter(Boolean)
        .join(" ")}`.trimEnd(),
      expected:
        all.length === 0
          ? "a node with connect: (the lab connects nothing)"
          : `a selector matching one of ${all.slice(0, 6).join(", ")}${all.length > 6 ? `, … (${all.length} in all)` : ""}`,
    });
  });
  return issues;
}
