/**
 * `conntest` as a function of argv and streams: parse, start, run until a
 * signal or `q`, stop cleanly. Returns the exit code (see --help).
 */
import { createLogReporter } from "../output/log-reporter.js";
import { startMetricsServer } from "../output/metrics-server.js";
import type { Reporter } from "../output/reporter.js";
import { createTuiReporter } from "../output/tui-reporter.js";
import { Agent, ListenError } from "./agent.js";
import { parseAgentArgs } from "./args.js";
import { EXIT } from "./exit-codes.js";
import { startHeapTrimmer } from "./heap-trimmer.js";

export interface CliIo {
  version: string;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

export async function runAgentCli(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseAgentArgs(argv, { isTTY: io.stdout.isTTY === true, version: io.version });
  if (parsed.kind === "help" || parsed.kind === "version") {
    io.stdout.write(`${parsed.text.trimEnd()}\n`);
    return EXIT.ok;
  }
  if (parsed.kind === "error") {
    io.stderr.write(`${parsed.message}\n`);
    return parsed.exitCode;
  }
  const { config } = parsed;
  if (config.ui === "tui" && !io.stdout.isTTY) {
    io.stderr.write("conntest: --ui tui: standard output is not a terminal; use --ui log\n");
    return EXIT.usage;
  }

  let quit: (signal: string) => void = () => {};
  const finished = new Promise<string>((resolve) => {
    quit = resolve;
  });
  const reporter: Reporter =
    config.ui === "tui"
      ? createTuiReporter({ name: config.name, output: io.stdout, onQuit: () => quit("quit") })
      : createLogReporter((line) => io.stdout.write(line));

  const agent = new Agent(config, reporter);
  const fail = (code: number, message: string) => {
    reporter.close();
    io.stderr.write(`conntest: ${message}\n`);
    return code;
  };
  try {
    await agent.start();
  } catch (err) {
    await agent.stop("start failed");
    if (err instanceof ListenError) return fail(EXIT.unavailable, err.message);
    return fail(EXIT.software, internalError(err));
  }

  let metrics: { close(): Promise<void> } | null = null;
  if (config.metricsPort !== undefined) {
    try {
      metrics = await startMetricsServer({
        port: config.metricsPort,
        snapshots: () => agent.snapshots(),
        agentName: config.name,
      });
    } catch (err) {
      await agent.stop("start failed");
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      return fail(
        EXIT.unavailable,
        `--metrics-port ${config.metricsPort}: ${code}: pick another port`,
      );
    }
  }

  const stopTrimmer = startHeapTrimmer();
  const onSignal = (signal: string) => quit(signal);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const why = await finished;
  // A second signal (timeout(1) and shells send one to the whole group) must
  // not cut the goodbyes short, so the handlers stay until the end.
  await agent.stop(why === "quit" ? "peer shutting down" : `peer shutting down (${why})`);
  await metrics?.close();
  stopTrimmer();
  reporter.close();
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  return EXIT.ok;
}

/** One line for a bug; the stack only when asked for (CONNTEST_DEBUG=1). */
export function internalError(err: unknown): string {
  const detail = process.env.CONNTEST_DEBUG
    ? ((err as Error).stack ?? String(err))
    : String((err as Error)?.message ?? err);
  return `internal error: ${detail} (a bug: please report it; CONNTEST_DEBUG=1 shows the stack)`;
}
