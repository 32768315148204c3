/**
 * Plain-text tables: cells padded to columns that fit a width, and the part
 * of a wide table a narrow box shows. One formatter for every table: the
 * agent's terminal table (connection-rows.ts), the lab's dashboard, `ps`
 * and the test report. Pure.
 */

/** What stands between two columns. */
export const GAP = "  ";

/** Left for text, right for numbers, so their magnitudes line up. */
export type Align = "left" | "right";

/**
 * Cells padded (or cut, with …) to their widths, two spaces apart; a
 * column aligned right is padded on the left.
 */
export function padCells(
  cells: readonly string[],
  widths: readonly number[],
  align: readonly Align[] = [],
): string {
  return cells
    .map((c, i) => {
      const w = widths[i] ?? 0;
      if (c.length > w) return `${c.slice(0, Math.max(0, w - 1))}…`;
      return align[i] === "right" ? c.padStart(w) : c.padEnd(w);
    })
    .join(GAP);
}

/**
 * Each column as wide as its widest cell; when that does not fit in
 * `available` characters, the first two columns (the names) shrink first,
 * down to 6.
 */
export function fitWidths(
  rows: readonly (readonly string[])[],
  titles: readonly string[],
  available = Number.POSITIVE_INFINITY,
): number[] {
  const widths = titles.map((t, i) => Math.max(t.length, ...rows.map((r) => (r[i] ?? "").length)));
  const total = () => widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1);
  while (total() > available) {
    const i = (widths[0] ?? 0) >= (widths[1] ?? 0) ? 0 : 1;
    if ((widths[i] ?? 0) <= 6) break;
    widths[i] = (widths[i] ?? 0) - 1;
  }
  return widths;
}

/** A whole table as lines: titles, then rows, trailing spaces trimmed. */
export function tableText(titles: readonly string[], rows: readonly string[][]): string {
  const widths = fitWidths(rows, titles);
  return [titles, ...rows].map((r) => padCells(r, widths).trimEnd()).join("\n");
}

/**
 * The columns that fit in `available` characters: the first `frozen` (the
 * names) always, then the rest from `offset` on, as many as fit. `offset`
 * comes back clamped; `hidden` says whether some columns are off screen.
 */
export function columnWindow(
  widths: readonly number[],
  available: number,
  frozen: number,
  offset: number,
): { columns: number[]; offset: number; hidden: boolean } {
  const all = widths.map((_, i) => i);
  const total = widths.reduce((a, b) => a + b, 0) + 2 * Math.max(0, widths.length - 1);
  if (total <= available) return { columns: all, offset: 0, hidden: false };
  const head = all.slice(0, frozen);
  const tail = all.slice(frozen);
  const used = (cols: number[]) =>
    cols.reduce((a, i) => a + (widths[i] ?? 0), 0) + 2 * Math.max(0, cols.length - 1);
  // the last offset that still fills the width, so scrolling right stops at the end
  let last = tail.length - 1;
  while (last > 0 && used([...head, ...tail.slice(last - 1)]) <= available) last--;
  const from = Math.min(Math.max(0, offset), Math.max(0, last));
  const columns = [...head];
  for (const i of tail.slice(from)) {
    if (used([...columns, i]) > available) break;
    columns.push(i);
  }
  return { columns, offset: from, hidden: columns.length < widths.length };
}

/**
 * The part of a line a box `width` wide shows when scrolled `offset` columns
 * right, with its first `frozen` columns always shown (so a row keeps its peer).
 */
export function clipLine(line: string, offset: number, width: number, frozen = 0): string {
  const w = Math.max(0, width);
  if (offset <= 0 || frozen <= 0) return line.slice(offset, offset + w);
  const head = line.slice(0, Math.min(frozen, w));
  return head + line.slice(frozen + offset, frozen + offset + w - head.length);
}
