/**
 * A UDP relay between one client and one server that damages DATA datagrams
 * by a seeded pattern (drop, swap with the next, duplicate) and keeps the
 * ground truth: per direction and round, what arrived from the sender and
 * what it forwarded. It also drops the first HELLO, HELLO_ACK, ROUND_START and
 * ROUND_END it sees, to make the handshakes retry.
 */
import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { mulberry32 } from "./seeded-random.js";

const DATA = 7;
const HELLO = 1;
const HELLO_ACK = 2;
const ROUND_START = 5;
const ROUND_END = 8;

export interface DamagePlan {
  seed: number;
  drop: number;
  reorder: number;
  duplicate: number;
}

export interface RoundTruth {
  /** Distinct seqs the sender sent (the relay sees them all: loopback, paced). */
  sent: Set<number>;
  /** Seqs in the order they were forwarded, repeats included. */
  forwarded: number[];
}

type Direction = "up" | "down";

export class UdpRelay {
  readonly truth = new Map<string, RoundTruth>();
  readonly droppedControl: number[] = [];
  private readonly front: Socket = createSocket("udp4");
  private readonly back: Socket = createSocket("udp4");
  private client: RemoteInfo | null = null;
  private readonly random: () => number;
  private held: { to: Direction; datagram: Buffer; round: number; seq: number } | null = null;
  private readonly firstDropped = new Set<number>();

  constructor(
    private readonly target: { host: string; port: number },
    private readonly plan: DamagePlan,
  ) {
    this.random = mulberry32(plan.seed);
  }

  async listen(host: string): Promise<number> {
    await new Promise<void>((resolve) => this.front.bind(0, host, resolve));
    await new Promise<void>((resolve) => this.back.bind(0, host, resolve));
    this.front.on("message", (msg, rinfo) => {
      this.client = rinfo;
      this.handle("up", msg);
    });
    this.back.on("message", (msg) => this.handle("down", msg));
    return this.front.address().port;
  }

  close(): void {
    this.front.close();
    this.back.close();
  }

  /** Ground truth for one round, computed from the forwarded order alone. */
  expected(direction: Direction, round: number) {
    const t = this.truth.get(`${direction}:${round}`);
    if (!t) return null;
    const seen = new Set<number>();
    let highest = -1;
    let outOfOrder = 0;
    let duplicates = 0;
    for (const seq of t.forwarded) {
      if (seen.has(seq)) duplicates++;
      else if (seq < highest) outOfOrder++;
      seen.add(seq);
      highest = Math.max(highest, seq);
    }
    return {
      sent: t.sent.size,
      received: seen.size,
      lost: t.sent.size - seen.size,
      outOfOrder,
      duplicates,
    };
  }

  private forward(to: Direction, datagram: Buffer): void {
    if (to === "up") this.back.send(datagram, this.target.port, this.target.host);
    else if (this.client) this.front.send(datagram, this.client.port, this.client.address);
  }

  private handle(to: Direction, datagram: Buffer): void {
    const type = datagram.length >= 8 ? datagram.readUInt8(3) : -1;
    if (type !== DATA) {
      this.flushHeld();
      if (
        (type === HELLO || type === HELLO_ACK || type === ROUND_START || type === ROUND_END) &&
        !this.firstDropped.has(type)
      ) {
        this.firstDropped.add(type);
        this.droppedControl.push(type);
        return;
      }
      this.forward(to, datagram);
      return;
    }
    const round = datagram.readUInt32BE(8);
    const seq = datagram.readUInt32BE(12);
    const key = `${to}:${round}`;
    let t = this.truth.get(key);
    if (!t) {
      t = { sent: new Set(), forwarded: [] };
      this.truth.set(key, t);
    }
    t.sent.add(seq);
    const held = this.held;
    if (held) {
      // swap: the newer datagram goes first, the held one right after it
      this.held = null;
      this.send(to, datagram, round, seq);
      this.send(held.to, held.datagram, held.round, held.seq);
      return;
    }
    const r = this.random();
    if (r < this.plan.drop) return;
    if (r < this.plan.drop + this.plan.reorder) {
      this.held = { to, datagram, round, seq };
      return;
    }
    this.send(to, datagram, round, seq);
    if (r < this.plan.drop + this.plan.reorder + this.plan.duplicate)
      this.send(to, datagram, round, seq);
  }

  private send(to: Direction, datagram: Buffer, round: number, seq: number): void {
    this.truth.get(`${to}:${round}`)?.forwarded.push(seq);
    this.forward(to, datagram);
  }

  /** A control datagram passes: the held DATA goes first, in its place. */
  private flushHeld(): void {
    const held = this.held;
    if (!held) return;
    this.held = null;
    this.send(held.to, held.datagram, held.round, held.seq);
  }
}
