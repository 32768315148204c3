/**
 * The part of blessed-contrib the dashboard uses (the package ships no
 * types and DefinitelyTyped has none).
 */
declare module "blessed-contrib" {
  import type { Widgets } from "blessed";

  type Factory<T> = (options: Record<string, unknown>) => T;

  export interface GridOptions {
    rows: number;
    cols: number;
    screen: Widgets.Screen;
    hideBorder?: boolean;
    color?: string;
  }

  export class grid {
    constructor(options: GridOptions);
    set<T>(
      row: number,
      col: number,
      rowSpan: number,
      colSpan: number,
      obj: Factory<T>,
      opts: Record<string, unknown>,
    ): T;
  }

  export interface TableWidget extends Widgets.BoxElement {
    rows: Widgets.ListElement;
    options: { columnWidth: number[]; [key: string]: unknown };
    setData(data: { headers: string[]; data: string[][] }): void;
  }
  export const table: Factory<TableWidget>;

  export interface LineSeries {
    title: string;
    x: string[];
    y: number[];
    style?: { line?: string };
  }
  export interface LineWidget extends Widgets.BoxElement {
    options: { maxY?: number; [key: string]: unknown };
    setData(data: LineSeries[]): void;
  }
  export const line: Factory<LineWidget>;

  export interface LogWidget extends Widgets.ListElement {
    log(text: string): void;
  }
  export const log: Factory<LogWidget>;
}
