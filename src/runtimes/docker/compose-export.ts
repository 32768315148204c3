/**
 * A lab as a Compose file that `docker compose up` (or Debian's docker-compose 1.29) brings up
 * on its own, without the controller: the same networks (subnets, no NAT out of the host),
 * static addresses, capabilities and sysctls, and each container's own set-up script (routes,
 * NAT, firewall, impairments) before its agent, as `up` creates them (apply.ts). Routers start
 * first. Every object carries the lab's labels, so `conntest-lab status`, `attach`, `impair`
 * and `down` work on it too. Pure: plan in, text out.
 */
import { Document } from "yaml";
import { engineName, type Plan, type PlannedContainer } from "../../lab/plan.js";
import { entrypointScript, LOG_CONFIG } from "./apply.js";
import { addressLabels, LABEL, labels } from "./labels.js";

/** The image tag the file builds and uses; `up` uses its own (a hash of what goes in). */
export const COMPOSE_IMAGE = "conntest-lab/agent:compose";
/** The run label of a Compose-made lab: it has no `up` run of its own. */
export const COMPOSE_RUN = "compose";

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;

/** Compose reads `$NAME` in values as its own variables: a literal `$` is written `$$`. */
const literal = (text: string) => text.replace(/\$/g, "$$$$");

function service(plan: Plan, c: PlannedContainer, build: boolean, after: string[]) {
  return {
    ...(build
      ? {
          build: {
            context: ".",
            args: {
              BASE: "${BASE:-node:20-bookworm-slim}",
              BUILDER: "${BUILDER:-node:20-bookworm}",
            },
          },
        }
      : {}),
    image: COMPOSE_IMAGE,
    container_name: engineName(plan.lab, c.name),
    hostname: c.name,
    entrypoint: ["sh", "-c", literal(entrypointScript(c))],
    init: true,
    cap_add: c.capAdd,
    ...(Object.keys(c.sysctls).length > 0 ? { sysctls: c.sysctls } : {}),
    labels: {
      ...labels(plan.lab, COMPOSE_RUN, c.role, plan.version),
      [LABEL.node]: c.name,
      ...addressLabels(c.attachments),
    },
    // the rotation `up` gives every container
    logging: { driver: LOG_CONFIG.Type, options: { ...LOG_CONFIG.Config } },
    networks: Object.fromEntries(
      c.attachments.map((a) => [
        a.network,
        {
          ipv4_address: a.ipv4,
          ...(a.ipv6 === undefined ? {} : { ipv6_address: a.ipv6 }),
          aliases: [c.name],
        },
      ]),
    ),
    ...(after.length > 0 ? { depends_on: after } : {}),
  };
}

export function composeFile(plan: Plan, source: string): string {
  if (plan.hosts !== undefined)
    throw new Error("a lab on several hosts has no Compose form: Compose runs on one engine");
  const routers = plan.containers.filter((c) => c.role === "router");
  const nodes = plan.containers.filter((c) => c.role !== "router");
  // the first service builds the image; the others wait for it, nodes for every router
  const [first] = plan.containers;
  const services = Object.fromEntries(
    plan.containers.map((c) => {
      const after =
        c.role === "router"
          ? c === first
            ? []
            : [first?.name as string]
          : routers.length > 0
            ? routers.map((r) => r.name)
            : c === first
              ? []
              : [first?.name as string];
      return [c.name, service(plan, c, c === first, after)];
    }),
  );
  const networks = Object.fromEntries(
    plan.networks.map((n) => [
      n.name,
      {
        name: engineName(plan.lab, n.name),
        driver: "bridge",
        // no NAT to the outside world from a lab network
        driver_opts: { "com.docker.network.bridge.enable_ip_masquerade": "false" },
        ...(n.subnet6 ? { enable_ipv6: true } : {}),
        ipam: {
          config: [
            { subnet: n.subnet, ...(n.gateway ? { gateway: n.gateway } : {}) },
            ...(n.subnet6 ? [{ subnet: n.subnet6, gateway: n.gateway6 }] : []),
          ],
        },
        labels: labels(plan.lab, COMPOSE_RUN, "network", plan.version),
      },
    ]),
  );
  const doc = new Document({ services, networks });
  doc.commentBefore = [
    ` Lab ${plan.lab} (${source}) as a Compose file, written by conntest-lab export --compose;`,
    ` ${count(routers.length, "router")}, ${count(nodes.length, "node")}, ${count(plan.networks.length, "network")}.`,
    " Compose brings it up on its own, from the repository's root (the build context):",
    `   docker compose -p ${plan.lab} up -d        (or docker-compose 1.29)`,
    `   docker compose -p ${plan.lab} logs -f      the agents' NDJSON lines`,
    `   docker compose -p ${plan.lab} down         (or conntest-lab down --lab ${plan.lab})`,
    " No registry? Build the bases first (netsetup/build-base-image.sh) and set",
    " BASE=conntest-base:trixie-2 BUILDER=conntest-build:trixie.",
  ].join("\n");
  return doc.toString({ lineWidth: 0 });
}
