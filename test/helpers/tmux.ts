/**
 * A real pseudo-terminal for the terminal UIs: a detached tmux session runs
 * the command; tests read the screen as text and type keys into it.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pollUntil } from "./poll-until.js";
import { AGENT_ONLY } from "./test-mode.js";

export const hasTmux = spawnSync("tmux", ["-V"]).status === 0;

/**
 * A terminal-UI test's skip: only an agent-only run (npm run test:agent) may
 * skip it for want of tmux; `npm test` installs tmux first, and a test that
 * finds none anyway fails in TmuxSession with the line to fix it.
 */
export const tmuxSkip: string | false =
  !hasTmux && AGENT_ONLY && "tmux is not installed (agent-only run)";

export class TmuxSession {
  private readonly dir = mkdtempSync(join(tmpdir(), "conntest-tmux-"));
  private readonly exitFile = join(this.dir, "exit");
  readonly name: string;

  /** Starts `command` (a shell line) in a `width`×`height` terminal. */
  constructor(command: string, options: { width?: number; height?: number; cwd?: string } = {}) {
    if (!hasTmux)
      throw new Error(
        "tmux is not installed; run: sudo apt-get install -y tmux (npm test does it on Debian)",
      );
    this.name = `conntest-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    execFileSync(
      "tmux",
      [
        "new-session",
        "-d",
        "-s",
        this.name,
        "-x",
        String(options.width ?? 200),
        "-y",
        String(options.height ?? 50),
        "sh",
        "-c",
        // the pane outlives the command, so its last screen and exit code can be read
        `${command}; echo $? > ${this.exitFile}; sleep 600`,
      ],
      { env: { ...process.env, TERM: "xterm-256color" }, cwd: options.cwd },
    );
  }

  capture(): string {
    return execFileSync("tmux", ["capture-pane", "-p", "-t", this.name], { encoding: "utf8" });
  }

  /** Waits until the screen matches; fails with the last screen. */
  async waitFor(
    pattern: RegExp | ((screen: string) => boolean),
    what: string,
    timeoutMs = 30_000,
  ): Promise<string> {
    const test = typeof pattern === "function" ? pattern : (s: string) => pattern.test(s);
    let screen = "";
    return pollUntil(
      () => {
        screen = this.capture();
        return test(screen) && screen;
      },
      { what: `the screen with ${what}`, timeoutMs, intervalMs: 250, last: () => screen },
    );
  }

  /** tmux key names: "q", "Tab", "Down", "Escape", "C-c". */
  keys(...keys: string[]): void {
    for (const k of keys) execFileSync("tmux", ["send-keys", "-t", this.name, k]);
  }

  resize(width: number, height: number): void {
    execFileSync("tmux", [
      "resize-window",
      "-t",
      this.name,
      "-x",
      String(width),
      "-y",
      String(height),
    ]);
  }

  /** The command's exit code once it ended; fails after `timeoutMs`. */
  async exitCode(timeoutMs = 60_000): Promise<number> {
    const code = await pollUntil(
      () => {
        try {
          return readFileSync(this.exitFile, "utf8").trim();
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
          return undefined;
        }
      },
      {
        what: "the command in tmux ending",
        timeoutMs,
        intervalMs: 200,
        last: () => this.capture(),
      },
    );
    return Number(code);
  }

  kill(): void {
    spawnSync("tmux", ["kill-session", "-t", this.name]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
