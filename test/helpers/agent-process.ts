/**
 * A real `conntest` process for integration tests: spawned from the built
 * bin with --ui log, its NDJSON stdout parsed line by line.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { createServer } from "node:net";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../../src/bin/conntest.js", import.meta.url));

export type LogLine = Record<string, unknown> & { type: string; event?: string };

export class AgentProcess {
  readonly lines: LogLine[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;
  private waiters: (() => void)[] = [];

  /** `env`: added to this process's environment. */
  constructor(args: string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [BIN, "--ui", "log", ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env },
    });
    createInterface({ input: this.child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      try {
        this.lines.push(JSON.parse(line) as LogLine);
      } catch {
        this.lines.push({ type: "unparsed", text: line });
      }
      this.notify();
    });
    createInterface({ input: this.child.stderr as NodeJS.ReadableStream }).on("line", (line) => {
      this.stderr.push(line);
      this.notify();
    });
    this.exited = new Promise((resolve) =>
      this.child.on("exit", (code, signal) => {
        resolve({ code, signal });
        this.notify();
      }),
    );
  }

  get pid(): number {
    return this.child.pid as number;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  events(kind?: string): LogLine[] {
    return this.lines.filter((l) => l.type === "event" && (!kind || l.event === kind));
  }

  stats(): LogLine[] {
    return this.lines.filter((l) => l.type === "stats");
  }

  /** Resolves with the first line (from `from` on) that matches, or rejects after `timeoutMs` saying what was awaited. */
  async waitFor(
    what: string,
    match: (line: LogLine) => boolean,
    timeoutMs = 20_000,
    from = 0,
  ): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.slice(from).find(match);
      if (found) return found;
      if (!this.alive)
        throw new Error(`${what}: agent exited first; stderr: ${this.stderr.join("\n")}`);
      const left = deadline - Date.now();
      if (left <= 0) {
        const tail = this.lines
          .slice(-8)
          .map((l) => JSON.stringify(l))
          .join("\n");
        throw new Error(`timed out waiting for ${what}; last lines:\n${tail}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  kill(signal: NodeJS.Signals = "SIGTERM"): void {
    if (this.alive) this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL if it lingers. */
  async stop(): Promise<void> {
    if (!this.alive) return;
    this.kill("SIGTERM");
    const timer = setTimeout(() => this.kill("SIGKILL"), 5_000);
    await this.exited;
    clearTimeout(timer);
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/** A port free for both TCP and UDP on `host` right now. */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once("error", reject);
      server.listen(0, host, () => {
        const address = server.address();
        server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const socket = createSocket("udp4");
      socket.once("error", () => resolve(false));
      socket.bind(port, host, () => socket.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
}

/** Fast timings so a test sees several rounds and pings in a few seconds. */
export const FAST = [
  "--ping-interval",
  "0.1",
  "--round",
  "0.5",
  "--round-pause",
  "0.2",
  "--stats-interval",
  "0.5",
];
