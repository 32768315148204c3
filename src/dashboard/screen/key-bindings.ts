/**
 * What each key does: the keys of keys.ts bound to the dashboard's commands
 * by name, and the one listener that hands a key press to an open popup or
 * to its binding.
 */
import type { Widgets } from "blessed";
import type { ContainerAction } from "../../runtime/lab-runtime.js";
import type { NodeInfo } from "../node-info.js";
import type { BoundKey } from "./keys.js";
import type { Popups } from "./popups.js";

/** What the keys can ask of the dashboard; each draws again when it changed something. */
export interface DashboardCommands {
  /** Moves the selection (or scrolls the event log) by `delta`; ±1e6 is Home / End. */
  move(delta: number): void;
  /** Rows a page key moves in the focused panel. */
  page(): number;
  /** Scrolls the table's columns by `step`. */
  scrollColumns(step: number): void;
  /** Focuses the panel `step` Tabs away. */
  nextPanel(step: number): void;
  nextSortColumn(): void;
  reverseSort(): void;
  toggleChartMode(): void;
  nextEventFilter(): void;
  /** Runs on the selected node the container action `choose` picks for its state. */
  onSelectedNode(choose: (node: NodeInfo) => ContainerAction): void;
  /** Disconnects the selected node from a network, or connects it again. */
  toggleNetwork(): void;
  /** Sets or clears an impairment on one of the selected node's interfaces, from a short form. */
  impair(): void;
  resetCounters(): void;
  help(): void;
  /** Asks whether to keep the lab or tear it down. */
  quit(): void;
  /** Ends at once, as Ctrl-C or SIGINT/SIGTERM would. */
  interrupt(): void;
}

export function keyBindings(c: DashboardCommands): Record<BoundKey, () => void> {
  return {
    up: () => c.move(-1),
    down: () => c.move(1),
    pageup: () => c.move(-c.page()),
    pagedown: () => c.move(c.page()),
    home: () => c.move(-1e6),
    end: () => c.move(1e6),
    left: () => c.scrollColumns(-1),
    right: () => c.scrollColumns(1),
    tab: () => c.nextPanel(1),
    "S-tab": () => c.nextPanel(-1),
    o: () => c.nextSortColumn(),
    "S-o": () => c.reverseSort(),
    t: () => c.toggleChartMode(),
    f: () => c.nextEventFilter(),
    k: () => c.onSelectedNode(() => "kill"),
    s: () =>
      c.onSelectedNode((n) => (n.state === "running" || n.state === "paused" ? "stop" : "start")),
    r: () => c.onSelectedNode(() => "restart"),
    p: () => c.onSelectedNode((n) => (n.state === "paused" ? "unpause" : "pause")),
    d: () => c.toggleNetwork(),
    i: () => c.impair(),
    c: () => c.resetCounters(),
    "?": () => c.help(),
    q: () => c.quit(),
    "C-c": () => c.interrupt(),
  };
}

/**
 * Hands each key press to the open popup, else to its binding. Ctrl-C goes
 * to its binding even over a popup: it must always end the dashboard.
 */
export function listenToKeys(
  screen: Widgets.Screen,
  popups: Popups,
  bindings: Record<BoundKey, () => void>,
  ended: () => boolean,
): void {
  screen.on("keypress", (ch: string | undefined, key: { full?: string } | undefined) => {
    if (ended()) return;
    const name = key?.full ?? ch ?? "";
    if (name === "C-c") {
      bindings["C-c"]();
      return;
    }
    if (!popups.handle(name, ch)) bindings[name as BoundKey]?.();
  });
}
