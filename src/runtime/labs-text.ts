import type { LabOnEngine } from "./lab-runtime.js";

/** "basic (2 containers, 2 running), nat (5 containers, 4 running)" or "none". */
export function labsText(labs: readonly LabOnEngine[]): string {
  if (labs.length === 0) return "none";
  return labs
    .map((l) =>
      l.containers === 0
        ? `${l.lab} (${l.networks} networks only)`
        : `${l.lab} (${l.containers} containers, ${l.running} running)`,
    )
    .join(", ");
}
