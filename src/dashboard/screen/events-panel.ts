/** The event log panel: filtered, wrapped to its width, scrolled back on request. */
import blessed, { type Widgets } from "blessed";
import {
  type EventFilter,
  eventLogLines,
  filterEvents,
  filterTitle,
  logWindow,
} from "../event-log.js";
import type { LabEvent } from "../events.js";
import { setTitle } from "./chrome.js";

export class EventsPanel {
  readonly el: Widgets.BoxElement;
  /** Lines scrolled back from the newest; 0 follows the newest. Clamped on every draw. */
  back = 0;

  constructor(screen: Widgets.Screen) {
    // wrap: false: the lines come wrapped already, with an indent blessed would not keep
    this.el = blessed.box({
      parent: screen,
      label: " Events ",
      tags: false,
      wrap: false,
      border: { type: "line" },
      style: { border: { fg: "cyan" } },
    });
  }

  /**
   * Scrolls by `delta` lines, up being back in time; -1e6 (Home) goes to the
   * oldest, 1e6 (End) follows the newest again.
   */
  scroll(delta: number): void {
    const back = delta === -1e6 ? Number.MAX_SAFE_INTEGER : delta === 1e6 ? 0 : this.back - delta;
    this.back = Math.max(0, back);
  }

  /** Rows a page key scrolls. */
  page(): number {
    return Math.max(1, (this.el.height as number) - 3);
  }

  draw(events: readonly LabEvent[], filter: EventFilter, node: string | null): void {
    const width = Math.max(1, (this.el.width as number) - 2);
    const height = Math.max(1, (this.el.height as number) - 2);
    const lines = eventLogLines(filterEvents(events, filter, node), width);
    const shown = logWindow(lines, height, this.back);
    this.back = shown.back;
    this.el.setContent(shown.lines.join("\n"));
    const where = this.back > 0 ? `, ${this.back} back (End: newest)` : "";
    setTitle(this.el, `Events [f] ${filterTitle(filter, node)}${where}`);
  }
}
