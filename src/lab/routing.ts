/**
 * How a lab's routers route, and what their NAT hides. Pure: no I/O.
 *
 * The lab is a graph of networks joined by routers. A router that masquerades
 * from a network makes that network, and every network reached only through
 * it, private: like a home router, it hides them behind its outside address.
 * So:
 * - no router outside gets a route to a private network (it would not in life:
 *   nobody routes to someone else's 10.x behind a NAT);
 * - the NAT router itself lets traffic into a private network only when it
 *   comes from one of its inside networks, answers a connection opened from
 *   inside, or was sent there by one of its port forwards (see docker-plan.ts).
 * A masquerade with `private: false` keeps its inside network routed: outside
 * routers get a route to it, and the router forwards into it as any router.
 */

export interface RouterTopology {
  name: string;
  /** The router's networks and its address on each, in file order. */
  interfaces: { network: string; address: string; address6?: string }[];
  masquerade: { from: string; to: string; private: boolean }[];
}

/** A masquerade's inside network is private unless the file says `private: false`. */
export const isPrivate = (m: { private?: boolean | undefined }): boolean => m.private !== false;

/** A router's NAT view: its inside networks and the networks it hides. */
export interface NatView {
  /** Networks it masquerades from (NAT "inside" interfaces). */
  inside: Set<string>;
  /** Networks private to it: each private `from` and every network reached only through one. */
  private: Set<string>;
}

/** Networks reachable from `start` over routers other than `without` (`start` included). */
function reachWithout(
  routers: readonly RouterTopology[],
  without: string,
  start: string,
): Set<string> {
  const seen = new Set([start]);
  let frontier = [start];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const network of frontier) {
      for (const r of routers) {
        if (r.name === without || !r.interfaces.some((i) => i.network === network)) continue;
        for (const i of r.interfaces) {
          if (seen.has(i.network)) continue;
          seen.add(i.network);
          next.push(i.network);
        }
      }
    }
    frontier = next;
  }
  return seen;
}

/**
 * The networks behind `router`'s interface on `network`: that network, and those
 * reached from it without the router that cannot be reached from the router's
 * other networks without it. (A back door around the router makes them not
 * "behind"; the interface's own network always is.)
 */
export function networksBehind(
  routers: readonly RouterTopology[],
  router: string,
  network: string,
): Set<string> {
  const self = routers.find((r) => r.name === router);
  const behind = reachWithout(routers, router, network);
  for (const i of self?.interfaces ?? []) {
    if (i.network === network) continue;
    for (const n of reachWithout(routers, router, i.network)) behind.delete(n);
  }
  behind.add(network);
  return behind;
}

export function natView(routers: readonly RouterTopology[], router: string): NatView {
  const self = routers.find((r) => r.name === router);
  const view: NatView = { inside: new Set(), private: new Set() };
  for (const m of self?.masquerade ?? []) {
    view.inside.add(m.from);
    if (m.private) for (const n of networksBehind(routers, router, m.from)) view.private.add(n);
  }
  return view;
}

/** A route to `network` via the next router's address `via`, which is on the router's own `viaNetwork`. */
export interface RouterRoute {
  network: string;
  via: string;
  viaNetwork: string;
}

/**
 * Static routes of one router: for every network it is not on and may route
 * to, the address of the next router on the shortest path (breadth-first over
 * routers and the networks they share; ties go to the earlier interface, then
 * the earlier router in the file). A router entered from outside its NAT shows
 * only its public networks; entered from an inside network, all of them.
 * Networks it cannot reach get no route.
 */
export function routerRoutes(routers: readonly RouterTopology[], from: string): RouterRoute[] {
  const self = routers.find((r) => r.name === from);
  if (self === undefined) return [];
  const views = new Map(routers.map((r) => [r.name, natView(routers, r.name)]));
  type Hop = { via: string; viaNetwork: string } | null; // null: directly attached
  const nextHop = new Map<string, Hop>();
  const visitedRouters = new Set<string>([from]);
  let frontier: { network: string; hop: Hop }[] = [];
  for (const i of self.interfaces) {
    if (nextHop.has(i.network)) continue;
    nextHop.set(i.network, null);
    frontier.push({ network: i.network, hop: null });
  }
  while (frontier.length > 0) {
    const next: { network: string; hop: Hop }[] = [];
    for (const { network, hop: reachedBy } of frontier) {
      for (const r of routers) {
        if (visitedRouters.has(r.name)) continue;
        const on = r.interfaces.find((i) => i.network === network);
        if (on === undefined) continue;
        visitedRouters.add(r.name);
        const view = views.get(r.name);
        const fromInside = view?.inside.has(network) ?? false;
        const hop = reachedBy ?? { via: on.address, viaNetwork: network };
        for (const i of r.interfaces) {
          if (nextHop.has(i.network)) continue;
          if (!fromInside && view?.private.has(i.network)) continue;
          nextHop.set(i.network, hop);
          next.push({ network: i.network, hop });
        }
      }
    }
    frontier = next;
  }
  const routes: RouterRoute[] = [];
  for (const [network, hop] of nextHop) if (hop !== null) routes.push({ network, ...hop });
  return routes;
}

/** Networks a router can reach: its own and those it has a route to. */
export function reachableFrom(routers: readonly RouterTopology[], name: string): Set<string> {
  const own = routers.find((r) => r.name === name)?.interfaces.map((i) => i.network) ?? [];
  return new Set([...own, ...routerRoutes(routers, name).map((r) => r.network)]);
}
