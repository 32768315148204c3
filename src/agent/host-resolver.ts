/**
 * A connect URI's host as an address, for one reconnect attempt, without ever
 * holding the attempt longer than a back-off step.
 *
 * Why: while a peer's container is down, Docker's DNS has no answer for its
 * name and the system resolver (getaddrinfo) waits 5 s per try before it gives
 * up; a reconnect that waits for it comes back seconds after the peer did.
 *
 * So each attempt asks two ways at once and takes the first answer:
 * - the system resolver (getaddrinfo: /etc/hosts, search domains, nsswitch).
 *   It cannot be cancelled, so at most one runs at a time; when it answers
 *   late, its answer is kept for the next attempt;
 * - a direct DNS query (c-ares) that gives up after the budget.
 * Neither within the budget: the last address this host had is used (a
 * restarted container usually keeps it; a lab's always does). None known: the
 * attempt fails and the back-off runs as for any failed connect.
 *
 * With a family (the URI's `family=4` / `family=6`) both ask only for addresses
 * of that family, like `ping -4` / `ping -6`; without, IPv4 is preferred.
 */
import { lookup, Resolver } from "node:dns/promises";
import { isIP } from "node:net";

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export interface Resolution extends ResolvedAddress {
  /** Set when the address is the last known one: why no fresh answer came. */
  stale?: string;
}

/** The two ways to ask; injectable so the logic is tested without a DNS server. */
export interface NameLookups {
  /** The system resolver; may take long, cannot be cancelled. Only `family`'s addresses when given. */
  system(host: string, family?: 4 | 6): Promise<ResolvedAddress>;
  /** A DNS query that settles within `timeoutMs`: only A records for family 4, AAAA for 6. */
  dns(host: string, timeoutMs: number, family?: 4 | 6): Promise<ResolvedAddress>;
}

export class HostResolverError extends Error {}

export class HostResolver {
  private last: ResolvedAddress | null = null;
  private systemInFlight: Promise<ResolvedAddress> | null = null;
  /** The host when it is an address already: no lookup at all. */
  private readonly literal: ResolvedAddress | null;

  constructor(
    readonly host: string,
    /** The longest one attempt waits for an answer. */
    readonly budgetMs: number,
    private readonly lookups: NameLookups,
    /** `family=4` / `family=6`: only addresses of this family; undefined: IPv4 preferred. */
    readonly family?: 4 | 6,
  ) {
    const literalFamily = isIP(host);
    this.literal = literalFamily === 0 ? null : { address: host, family: literalFamily as 4 | 6 };
  }

  /** The address to try now. Throws HostResolverError when there is none. */
  async resolve(signal?: AbortSignal): Promise<Resolution> {
    if (this.literal) return this.literal;
    const answers = [this.systemLookup(), this.lookups.dns(this.host, this.budgetMs, this.family)];
    const outcome = await firstAnswer(answers, this.budgetMs, signal);
    if ("answer" in outcome) {
      this.last = outcome.answer;
      return outcome.answer;
    }
    const what = this.family === undefined ? this.host : `${this.host} (family=${this.family})`;
    if (signal?.aborted) throw new HostResolverError(`cannot resolve ${what}: stopped`);
    if (this.last) return { ...this.last, stale: outcome.why };
    throw new HostResolverError(`cannot resolve ${what}: ${outcome.why}`);
  }

  /** The system lookup in flight, or a new one; its answer is remembered whenever it comes. */
  private systemLookup(): Promise<ResolvedAddress> {
    if (this.systemInFlight) return this.systemInFlight;
    const lookup = this.lookups.system(this.host, this.family).then((answer) => {
      this.last = answer;
      return answer;
    });
    this.systemInFlight = lookup;
    const done = () => {
      if (this.systemInFlight === lookup) this.systemInFlight = null;
    };
    lookup.then(done, done);
    return lookup;
  }
}

/** Why a lookup failed, in a few words: the resolver's code (ENOTFOUND, ETIMEOUT...) or its message. */
function why(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e?.code ?? e?.message ?? String(err);
}

/** The first promise to fulfil within `ms`, or why none did. */
function firstAnswer(
  promises: Promise<ResolvedAddress>[],
  ms: number,
  signal?: AbortSignal,
): Promise<{ answer: ResolvedAddress } | { why: string }> {
  return new Promise((resolve) => {
    // by promise, not by time: the message reads the same every time
    const failures: (string | undefined)[] = promises.map(() => undefined);
    let failed = 0;
    let settled = false;
    const finish = (value: { answer: ResolvedAddress } | { why: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve(value);
    };
    const onAbort = () => finish({ why: "stopped" });
    const timer = setTimeout(
      () => finish({ why: `no answer within ${ms / 1000} s` }),
      Math.max(1, ms),
    );
    signal?.addEventListener("abort", onAbort, { once: true });
    promises.forEach((p, i) => {
      p.then(
        (answer) => finish({ answer }),
        (err: unknown) => {
          failures[i] = why(err);
          failed += 1;
          if (failed === promises.length) finish({ why: [...new Set(failures)].join(", ") });
        },
      );
    });
  });
}

/**
 * IPv4 first: a listener without an address is IPv4 for UDP (and containers are). With a
 * family asked for, every answer is of that family already.
 */
function preferIPv4(all: { address: string; family: number }[]): ResolvedAddress {
  const a = all.find((x) => x.family === 4) ?? all[0];
  if (!a) throw Object.assign(new Error("no address"), { code: "ENODATA" });
  return { address: a.address, family: a.family === 6 ? 6 : 4 };
}

/** The system resolver and c-ares, as Node.js has them. */
export const systemLookups: NameLookups = {
  system: async (host, family) => preferIPv4(await lookup(host, { all: true, family })),
  dns: async (host, timeoutMs, family) => {
    // a channel per query: with one shared channel every reconnect after a server's restart
    // waited out the whole budget (0.65 s instead of 0.15-0.2 s in docker-restart.test.ts);
    // c-ares caching the failed answers from while it was down is the likely cause
    const resolver = new Resolver({ timeout: Math.max(1, Math.round(timeoutMs)), tries: 1 });
    const v4 = async () =>
      preferIPv4((await resolver.resolve4(host)).map((address) => ({ address, family: 4 })));
    const v6 = async () =>
      preferIPv4((await resolver.resolve6(host)).map((address) => ({ address, family: 6 })));
    if (family === 4) return v4();
    if (family === 6) return v6();
    try {
      return await v4();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENODATA") throw err;
      return v6();
    }
  },
};
