/**
 * The event log panel's text: events filtered, wrapped to the panel's width
 * and windowed for scrolling back. Pure.
 */
import { concernsNode, isStateOrError, type LabEvent, logLineOf } from "./events.js";

/** What the log shows: everything, what concerns the selected node, or errors and state changes. */
export type EventFilter = "all" | "node" | "state";

export const EVENT_FILTERS: readonly EventFilter[] = ["all", "node", "state"];

export function filterEvents(
  events: readonly LabEvent[],
  filter: EventFilter,
  node: string | null,
): LabEvent[] {
  if (filter === "state") return events.filter(isStateOrError);
  if (filter === "node") return node === null ? [] : events.filter((e) => concernsNode(e, node));
  return [...events];
}

export function filterTitle(filter: EventFilter, node: string | null): string {
  if (filter === "node") return `of ${node ?? "-"}`;
  if (filter === "state") return "errors, state changes";
  return "all";
}

/**
 * `text` in lines of at most `width` characters, broken at spaces where it
 * can; lines after the first are indented by `indent` (under the text, past
 * the time).
 */
export function wrapText(text: string, width: number, indent = 9): string[] {
  if (width <= 0) return [];
  const lines: string[] = [];
  const pad = " ".repeat(Math.min(indent, Math.max(0, width - 10)));
  let rest = text;
  let first = true;
  while (rest.length > 0) {
    const prefix = first ? "" : pad;
    const room = width - prefix.length;
    if (rest.length <= room) {
      lines.push(prefix + rest);
      break;
    }
    let cut = rest.lastIndexOf(" ", room);
    if (cut <= room / 3) cut = room; // no good space: cut the word
    lines.push(prefix + rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
    first = false;
  }
  return lines;
}

/** Every event as wrapped lines, oldest first. */
export function eventLogLines(events: readonly LabEvent[], width: number): string[] {
  return events.flatMap((e) => wrapText(logLineOf(e), width));
}

/**
 * The `height` lines to show, `back` lines up from the newest (0: follow
 * the newest); `back` comes back clamped to what there is to scroll.
 */
export function logWindow(
  lines: readonly string[],
  height: number,
  back: number,
): { lines: string[]; back: number } {
  const most = Math.max(0, lines.length - height);
  const b = Math.min(Math.max(0, back), most);
  const end = lines.length - b;
  return { lines: lines.slice(Math.max(0, end - height), end), back: b };
}
