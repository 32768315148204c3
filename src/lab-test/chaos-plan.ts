/**
 * A lab's `chaos:` as scenario steps: every `every`, a random action (kill, restart, pause,
 * disconnect, impair) on a random member of a set of nodes, each undone `for` later (start,
 * unpause, connect, the impairment before). The picks come from a seeded generator
 * (pure-rand's xoroshiro128+), so a seed gives the same actions, members, networks and times
 * on every run. Pure.
 */
import picomatch from "picomatch";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import type { LabPlan } from "../lab/address-plan.js";
import { CHAOS_ACTIONS } from "../lab/lab-schema.js";
import type { LabChaos, LabStep } from "../lab/lab-types.js";
import { parseDelay } from "../lab/values.js";

/** After its last action the run goes on this long, so the last recovery is seen. */
export const CHAOS_RECOVERY_MS = 10_000;
export const CHAOS_DEFAULT_FOR = "3s";
export const CHAOS_DEFAULT_IMPAIR = { loss: "30%" };

export interface ChaosMember {
  name: string;
  networks: string[];
}

/** The nodes (each counted member) and routers `on` names, in the file's order. */
export function chaosMembers(chaos: LabChaos, plan: LabPlan): ChaosMember[] {
  const globs = (Array.isArray(chaos.on) ? chaos.on : [chaos.on]).map((g) => picomatch(g));
  const all: ChaosMember[] = [
    ...plan.routers.map((r) => ({ name: r.name, networks: r.interfaces.map((i) => i.network) })),
    ...plan.nodes.map((n) => ({ name: n.name, networks: n.attachments.map((a) => a.network) })),
  ];
  return all.filter((m) => globs.some((g) => g(m.name)));
}

const ms = (text: string | undefined, fallback: number) =>
  text === undefined ? fallback : (parseDelay(text) ?? fallback);

/** The chaos as steps with `at` (and `for`), named "chaos N", for a run of `runMs`. */
export function chaosSteps(
  chaos: LabChaos,
  members: readonly ChaosMember[],
  runMs: number,
): LabStep[] {
  if (members.length === 0) return [];
  const everyMs = ms(chaos.every, 10_000);
  const forText = chaos.for ?? CHAOS_DEFAULT_FOR;
  const forMs = ms(forText, 3000);
  const actions = chaos.actions ?? [...CHAOS_ACTIONS];
  const rng = xoroshiro128plus(chaos.seed ?? 1);
  const pick = <T>(list: readonly T[]): T => list[uniformInt(rng, 0, list.length - 1)] as T;
  const steps: LabStep[] = [];
  for (
    let atMs = ms(chaos.start, everyMs);
    atMs + forMs + CHAOS_RECOVERY_MS <= runMs;
    atMs += everyMs
  ) {
    const action = pick(actions);
    const member = pick(members);
    const at = `${atMs / 1000}s`;
    const name = `chaos ${steps.length + 1}`;
    switch (action) {
      case "restart":
        steps.push({ name, at, restart: member.name });
        break;
      case "kill":
      case "pause":
        steps.push({ name, at, [action]: member.name, for: forText });
        break;
      case "disconnect":
        steps.push({
          name,
          at,
          disconnect: { node: member.name, network: pick(member.networks) },
          for: forText,
        });
        break;
      case "impair":
        steps.push({
          name,
          at,
          impair: {
            on: member.name,
            network: pick(member.networks),
            ...(chaos.impair ?? CHAOS_DEFAULT_IMPAIR),
          },
          for: forText,
        });
        break;
    }
  }
  return steps;
}
