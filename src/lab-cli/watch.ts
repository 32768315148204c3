/**
 * Watching a running lab: its feed (container logs and states) into a
 * LabView, shown as the dashboard on a terminal or as plain/JSON lines
 * without one. Used by `up` after bring-up and by `attach`.
 */

import { type QuitChoice, runDashboard } from "../dashboard/dashboard-screen.js";
import { LabView } from "../dashboard/lab-view.js";
import { eventOutputLine, intervalLines, type PlainFormat } from "../dashboard/plain-lines.js";
import { describeImpairment } from "../lab/impairment-state.js";
import { interruptSignal } from "../lab-session/interrupts.js";
import { LAB_EXIT, LabFailure } from "../lab-session/lab-io.js";
import type { PlannedStep } from "../lab-test/schedule.js";
import { type MetricsServer, startMetricsServer } from "../output/metrics-server.js";
import type { LabRuntime } from "../runtime/lab-runtime.js";
import { type LiveChaos, startChaos } from "./chaos-live.js";

export interface WatchOptions {
  ui: "dashboard" | PlainFormat;
  /** Opened on a lab brought up by someone else: quitting keeps it unless asked. */
  attached: boolean;
  /** Plain/JSON: seconds between connection lines. */
  everyS: number;
  out: (text: string) => void;
  /** Serve every connection of the lab at http://0.0.0.0:PORT/metrics while watching. */
  metricsPort?: number;
  /** The lab's chaos actions (testSchedule), run from the start of the watch until it ends. */
  chaos?: PlannedStep[];
}

/** Until the user quits; returns whether to keep the lab running. */
export async function watchLab(
  runtime: LabRuntime,
  lab: string,
  options: WatchOptions,
): Promise<QuitChoice> {
  const view = new LabView(lab);
  // a lab that had containers and has none now was removed (by `down`, elsewhere)
  const gone = new AbortController();
  let seen = false;
  let chaos: LiveChaos | null = null;
  const feed = runtime.follow(lab, {
    line: (node, line) => {
      view.ingest(node, line, Date.now());
      chaos?.line(node, line);
    },
    nodes: (nodes) => {
      view.setNodes(nodes, Date.now());
      if (nodes.length > 0) seen = true;
      else if (seen) gone.abort();
    },
    problem: (text) => view.note(`engine: ${text}`, Date.now(), { kind: "engine", reason: text }),
  });
  let metrics: MetricsServer | null = null;
  try {
    if (options.metricsPort !== undefined)
      metrics = await startMetricsServer({
        port: options.metricsPort,
        snapshots: () => view.snapshots(),
        agentName: "conntest-lab",
        lab,
      });
  } catch (err) {
    feed.stop();
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new LabFailure(
      `--metrics-port ${options.metricsPort}: cannot serve metrics there (${code}); pick a free port`,
      LAB_EXIT.badInput,
    );
  }
  if (metrics !== null)
    view.note(
      `serving every connection of lab ${lab} at http://0.0.0.0:${metrics.port}/metrics`,
      Date.now(),
    );
  try {
    await feed.start();
  } catch (err) {
    await metrics?.close();
    throw err;
  }
  if (options.chaos !== undefined && options.chaos.length > 0)
    chaos = startChaos(runtime, lab, options.chaos, view);
  const onInterrupt: QuitChoice = options.attached ? "keep" : "down";
  const interrupted = interruptSignal();
  try {
    if (options.ui === "dashboard") {
      const refreshAfter = async (p: Promise<string>) => {
        try {
          return await p;
        } finally {
          feed.refresh();
        }
      };
      return await runDashboard({
        view,
        attached: options.attached,
        onInterrupt,
        interrupted: interrupted.signal,
        labGone: gone.signal,
        actions: {
          container: (action, node) => refreshAfter(runtime.containerAction(action, node, lab)),
          network: (action, node, network) =>
            refreshAfter(runtime.networkAction(action, node, network, lab)),
          impair: (node, network, impairment) => {
            const done = runtime.impair(node, network, impairment, lab);
            return impairment === null
              ? done
              : done.then((text) => `${text}: ${describeImpairment(impairment)}`);
          },
        },
      });
    }
    return await printLines(
      view,
      options.ui,
      options,
      onInterrupt,
      interrupted.signal,
      gone.signal,
    );
  } finally {
    interrupted.stop();
    chaos?.stop();
    feed.stop();
    await metrics?.close();
  }
}

function printLines(
  view: LabView,
  format: PlainFormat,
  options: WatchOptions,
  onInterrupt: QuitChoice,
  interrupted: AbortSignal,
  labGone: AbortSignal,
): Promise<QuitChoice> {
  return new Promise((resolve) => {
    let printed = 0;
    const flushEvents = () => {
      for (const e of view.eventsAfter(printed))
        options.out(`${eventOutputLine(format, view.lab, e)}\n`);
      printed = view.eventCount();
    };
    const events = setInterval(flushEvents, 200);
    const rows = setInterval(() => {
      flushEvents();
      for (const l of intervalLines(format, view.lab, Date.now(), view.nodes(), view.rows()))
        options.out(`${l}\n`);
    }, options.everyS * 1000);
    const stop = (choice: QuitChoice) => {
      clearInterval(events);
      clearInterval(rows);
      flushEvents();
      resolve(choice);
    };
    if (interrupted.aborted) stop(onInterrupt);
    interrupted.addEventListener("abort", () => stop(onInterrupt));
    labGone.addEventListener("abort", () => stop("removed"));
  });
}
