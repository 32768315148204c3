/**
 * The lab dashboard in a terminal: the connections table, throughput and
 * latency charts, the nodes and the event log (one file each, in screen/),
 * laid out for the terminal's size, with chaos on the selected node at a key
 * press. This file puts the parts together: the user's choices
 * (screen/choices.ts), the frame that draws them (screen/frame.ts), the keys'
 * commands (bound in screen/key-bindings.ts) and the ending. It only draws a
 * LabView and calls LabActions; where the data comes from is the caller's
 * business.
 */

import type { Widgets } from "blessed";
import { createScreen } from "../output/terminal-screen.js";
import type { LabView } from "./lab-view.js";
import { DashboardChoices, type Panel } from "./screen/choices.js";
import { Frame } from "./screen/frame.js";
import { type DashboardCommands, keyBindings, listenToKeys } from "./screen/key-bindings.js";
import { type LabActions, NodeActions } from "./screen/node-actions.js";
import { Popups } from "./screen/popups.js";

export { BOUND_KEYS, type BoundKey, HELP, HELP_TEXT } from "./screen/keys.js";
export type { LabActions } from "./screen/node-actions.js";

/** What the user chose on quitting: leave the lab running, or tear it down; or the lab was removed. */
export type QuitChoice = "keep" | "down" | "removed";

export interface DashboardOptions {
  view: LabView;
  actions: LabActions;
  /** Attached to a lab someone else brought up: the quit question defaults to keep. */
  attached: boolean;
  /** What Ctrl-C (or SIGINT/SIGTERM) means: `up` tears down, `attach` keeps. */
  onInterrupt: QuitChoice;
  /** Aborted on SIGINT/SIGTERM (the lab session listens to the process): ends with onInterrupt. */
  interrupted?: AbortSignal;
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  now?: () => number;
  /** Redraws at most this often, and at least once a second. */
  frameMs?: number;
  /** Aborted when the lab is gone (removed by someone else): the dashboard ends with "removed". */
  labGone?: AbortSignal;
}

export function runDashboard(opts: DashboardOptions): Promise<QuitChoice> {
  const now = opts.now ?? Date.now;
  const screen = createScreen({
    title: `conntest-lab ${opts.view.lab}`,
    input: opts.input,
    output: opts.output,
  }) as Widgets.Screen;
  const choices = new DashboardChoices();
  const frame = new Frame(screen, opts.view, choices, now);
  const popups = new Popups(screen, () => draw());
  // a popup covers the dashboard: it is drawn again when the popup closes
  const draw = (): void => {
    if (!popups.isOpen) frame.draw();
  };
  const tick = setInterval(() => {
    if (!popups.isOpen && frame.isDue()) draw();
  }, opts.frameMs ?? 500);
  const parts: Parts = { opts, now, choices, frame, popups, draw };

  return new Promise<QuitChoice>((resolve) => {
    const ending = endOnce(() => {
      clearInterval(tick);
      screen.destroy();
    }, resolve);
    endOnSignals(opts, ending.finish);
    listenToKeys(screen, popups, keyBindings(commands(parts, ending.finish)), ending.ended);
    screen.on("resize", () => {
      frame.charts.resized();
      draw();
    });
    focusPanel(parts, "table");
  });
}

/** What the dashboard is made of, for the functions below. */
interface Parts {
  opts: DashboardOptions;
  now: () => number;
  choices: DashboardChoices;
  frame: Frame;
  popups: Popups;
  /** Draws a frame, unless a popup is open. */
  draw: () => void;
}

/** Ends the dashboard once: the first of a quit choice, an interrupt and the lab's removal wins. */
function endOnce(close: () => void, resolve: (choice: QuitChoice) => void) {
  let done = false;
  return {
    ended: () => done,
    finish: (choice: QuitChoice): void => {
      if (done) return;
      done = true;
      close();
      resolve(choice);
    },
  };
}

/**
 * SIGINT/SIGTERM end with onInterrupt, the lab's removal with "removed"; at
 * once if either came before the dashboard started.
 */
function endOnSignals(opts: DashboardOptions, finish: (choice: QuitChoice) => void): void {
  if (opts.interrupted?.aborted) finish(opts.onInterrupt);
  opts.interrupted?.addEventListener("abort", () => finish(opts.onInterrupt));
  if (opts.labGone?.aborted) finish("removed");
  opts.labGone?.addEventListener("abort", () => finish("removed"));
}

function focusPanel({ choices, frame, draw }: Parts, panel: Panel): void {
  choices.focus = panel;
  frame.showFocus();
  draw();
}

/** Moves the focused panel's selection, or scrolls the event log. */
function move({ choices, frame, draw }: Parts, delta: number): void {
  if (choices.focus === "events") {
    frame.events.scroll(delta);
  } else {
    const moved =
      choices.focus === "table"
        ? choices.moveRow(frame.shownRows, delta)
        : choices.moveNode(frame.shownNodes, delta);
    if (!moved) return; // nothing to select: no frame
  }
  draw();
}

/** What the keys do: each changes a choice or acts on the lab, then draws. */
function commands(parts: Parts, finish: (choice: QuitChoice) => void): DashboardCommands {
  const { opts, now, choices, frame, popups, draw } = parts;
  const nodeActions = new NodeActions(opts.view, opts.actions, popups, now, draw);
  const redraw = (change: () => void) => () => {
    change();
    draw();
  };
  return {
    move: (delta) => move(parts, delta),
    page: () => frame.page(),
    scrollColumns: (step) => {
      frame.table.columnOffset = Math.max(0, frame.table.columnOffset + step);
      draw();
    },
    nextPanel: (step) => focusPanel(parts, choices.panelAfter(step)),
    nextSortColumn: redraw(() => choices.nextSortColumn()),
    reverseSort: redraw(() => choices.reverseSort()),
    toggleChartMode: redraw(() => choices.toggleChartMode()),
    nextEventFilter: redraw(() => {
      choices.nextEventFilter();
      frame.events.back = 0; // a new filter starts at the newest
    }),
    onSelectedNode: (choose) => nodeActions.container(choices.selectedNode, choose),
    toggleNetwork: () => nodeActions.network(choices.selectedNode),
    impair: () => nodeActions.impair(choices.selectedNode),
    resetCounters: redraw(() => opts.view.resetCounters(now())),
    help: () => popups.help(),
    quit: () => popups.quit(opts.view.lab, opts.attached, finish),
    interrupt: () => finish(opts.onInterrupt),
  };
}
