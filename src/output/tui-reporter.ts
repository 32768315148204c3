/**
 * The full-screen view: a header with the counts, the table of connections
 * ("As client", "As server") and the last events. The layout comes from
 * connection-rows.ts; this file only clips, colours and draws it.
 */

import blessed from "blessed";
import type { AgentEvent, ConnectionSnapshot, ConnectionState } from "../stats/snapshot.js";
import { summaryLine, type TableLine, tableLayout } from "./connection-rows.js";
import { eventLine } from "./event-text.js";
import type { Reporter } from "./reporter.js";
import { clipLine } from "./table-text.js";
import { createScreen } from "./terminal-screen.js";

export interface TuiReporterOptions {
  name: string;
  output?: NodeJS.WriteStream;
  input?: NodeJS.ReadStream;
  /** Called on q, C-c or escape; the agent decides how to stop (it then calls close()). */
  onQuit: () => void;
}

/** Stats and events can come in bursts (many connections); a terminal redraw is not free. */
const REDRAW_MS = 250;
const KEEP_EVENTS = 200;
const EVENT_BOX_HEIGHT = 8;

const STATE_COLOUR: Record<ConnectionState, string | null> = {
  connected: null,
  connecting: "yellow-fg",
  reconnecting: "yellow-fg",
  disconnected: "red-fg",
};

function styled(line: TableLine, text: string): string {
  const esc = blessed.escape(text);
  switch (line.kind) {
    case "section":
      return `{bold}${esc}{/bold}`;
    case "header":
      return `{underline}${esc}{/underline}`;
    case "empty":
      return esc;
    case "row": {
      const colour = line.state ? STATE_COLOUR[line.state] : null;
      return colour ? `{${colour}}${esc}{/${colour}}` : esc;
    }
    case "blank":
      return esc;
  }
}

export function createTuiReporter(opts: TuiReporterOptions): Reporter {
  const screen = createScreen({
    title: `conntest ${opts.name}`,
    input: opts.input,
    output: opts.output,
  });

  const header = blessed.box({
    parent: screen,
    top: 0,
    left: 0,
    width: "100%",
    height: 1,
    tags: true,
    style: { inverse: true },
  });
  const table = blessed.box({
    parent: screen,
    top: 1,
    left: 0,
    width: "100%",
    bottom: EVENT_BOX_HEIGHT + 1,
    tags: true,
    // Lines are clipped here (horizontal scrolling), never wrapped by blessed.
    wrap: false,
  });
  const events = blessed.box({
    parent: screen,
    bottom: 1,
    left: 0,
    width: "100%",
    height: EVENT_BOX_HEIGHT,
    border: { type: "line" },
    label: " events ",
    tags: true,
    wrap: false,
  });
  blessed.box({
    parent: screen,
    bottom: 0,
    left: 0,
    width: "100%",
    height: 1,
    tags: true,
    content: "{bold}q{/bold}: quit   {bold}←→↑↓ PgUp PgDn Home{/bold}: scroll the table",
  });

  let snapshots: ConnectionSnapshot[] = [];
  const eventLines: string[] = [];
  /** Sideways scrolling goes by whole columns: the index into layout.stops. */
  let colIndex = 0;
  let rowOffset = 0;
  let timer: NodeJS.Timeout | undefined;
  let lastRender = 0;
  let closed = false;

  function render(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (closed) return;
    lastRender = Date.now();

    header.setContent(blessed.escape(` ${summaryLine(opts.name, snapshots)}`));

    const width = Math.max(0, Number(screen.width));
    const height = Math.max(0, Number(table.height));
    const layout = tableLayout(snapshots);
    // Keep the offsets in range after a resize or when connections go away: no
    // scrolling sideways past the point where the last column is in view.
    const lastStop = layout.stops.findIndex((x) => x >= layout.width - width);
    colIndex = Math.max(0, Math.min(colIndex, lastStop < 0 ? layout.stops.length - 1 : lastStop));
    rowOffset = Math.max(0, Math.min(rowOffset, layout.lines.length - height));
    const offset = layout.stops[colIndex] ?? 0;
    table.setContent(
      layout.lines
        .slice(rowOffset, rowOffset + height)
        .map((l) => styled(l, clipLine(l.text, offset, width, layout.frozen)))
        .join("\n"),
    );

    const inner = Math.max(0, Number(events.height) - 2);
    const innerWidth = Math.max(0, width - 2);
    events.setContent(
      eventLines
        .slice(inner > 0 ? -inner : eventLines.length)
        .map((l) => blessed.escape(clipLine(l, 0, innerWidth)))
        .join("\n"),
    );

    screen.render();
  }

  /** Coalesce: at most one redraw per REDRAW_MS, however many updates arrive. */
  function schedule(): void {
    if (closed || timer) return;
    const wait = Math.max(0, lastRender + REDRAW_MS - Date.now());
    timer = setTimeout(render, wait);
    timer.unref();
  }

  function scroll(cols: number, rows: number): void {
    colIndex = Math.max(0, colIndex + cols);
    rowOffset = Math.max(0, rowOffset + rows);
    render();
  }

  screen.key(["q", "C-c", "escape"], () => opts.onQuit());
  screen.key(["left", "h"], () => scroll(-1, 0));
  screen.key(["right", "l"], () => scroll(1, 0));
  screen.key(["up", "k"], () => scroll(0, -1));
  screen.key(["down", "j"], () => scroll(0, 1));
  screen.key(["pageup"], () => scroll(0, -Math.max(1, Number(table.height) - 1)));
  screen.key(["pagedown"], () => scroll(0, Math.max(1, Number(table.height) - 1)));
  screen.key(["home"], () => {
    colIndex = 0;
    rowOffset = 0;
    render();
  });
  // blessed already debounces resize events; redraw at the new size at once.
  screen.on("resize", render);

  render();

  return {
    event(e: AgentEvent): void {
      if (closed) return;
      eventLines.push(eventLine(e, new Date()));
      if (eventLines.length > KEEP_EVENTS) eventLines.splice(0, eventLines.length - KEEP_EVENTS);
      schedule();
    },
    stats(connections: ConnectionSnapshot[]): void {
      if (closed) return;
      snapshots = connections;
      schedule();
    },
    close(): void {
      if (closed) return;
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      // Gives the terminal back: leaves the alternate screen, shows the cursor, ends raw mode.
      screen.destroy();
    },
  };
}
