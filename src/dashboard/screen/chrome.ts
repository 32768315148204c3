/** What every panel of the dashboard shares: placing, titles, colours, focus. */
import blessed, { type Widgets } from "blessed";
import type { Rect } from "../layout.js";

/** Places a blessed element on `r`. */
export function place(el: Widgets.BlessedElement, r: Rect): void {
  el.top = r.top;
  el.left = r.left;
  el.width = r.width;
  el.height = r.height;
}

/**
 * A panel title cut to the panel's width (a long one would spill into the
 * border); `legend` (with colour tags) goes after it and gives way last.
 */
export function setTitle(el: Widgets.BlessedElement, text: string, legend = ""): void {
  // the label starts two columns in and must end before the corner
  const room = Math.max(4, (el.width as number) - 6);
  const legendWidth = visibleLength(legend);
  let title = text;
  let tail = legend;
  if (title.length + 2 + legendWidth > room) {
    // the legend is what tells the lines apart: it stays, the title gives way
    const titleRoom = room - 2 - legendWidth;
    if (titleRoom >= 8) title = `${title.slice(0, titleRoom - 1)}…`;
    else tail = "";
  }
  if (title.length > room) title = `${title.slice(0, room - 1)}…`;
  el.setLabel(` ${blessed.escape(title)}${tail === "" ? "" : `  ${tail}`} `);
}

/** The focused panel's border is white, the others cyan. */
export function setFocused(el: Widgets.BlessedElement, focused: boolean): void {
  el.style.border = { fg: focused ? "white" : "cyan" } as never;
}

const STATE_COLOURS: Record<string, string> = {
  connected: "green",
  connecting: "yellow",
  reconnecting: "yellow",
  running: "green",
  paused: "magenta",
  restarting: "yellow",
};

/** A connection's or container's state in colour: green, yellow on the way, red otherwise. */
export function colourOf(state: string): string {
  return STATE_COLOURS[state] ?? "red";
}

/** Text length without blessed's colour tags. */
export function visibleLength(tagged: string): number {
  return tagged.replace(/\{[^}]*\}/g, "").length;
}
