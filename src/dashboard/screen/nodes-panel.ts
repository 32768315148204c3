/** The nodes panel: each container's state and addresses; the selected one takes the actions. */
import blessed, { type Widgets } from "blessed";
import { type NodeInfo, networksText, stateText } from "../node-info.js";
import { colourOf, setTitle, visibleLength } from "./chrome.js";

/** A line per node, its state in colour. */
export function nodeLines(nodes: readonly NodeInfo[]): string[] {
  const nameWidth = Math.max(4, ...nodes.map((n) => n.name.length + (n.role === "router" ? 9 : 0)));
  // a lab on several hosts: which host each runs on, after its state
  const hostWidth = Math.max(0, ...nodes.map((n) => (n.host ?? "").length));
  return nodes.map((n) => {
    const state = stateText(n);
    const colour = colourOf(n.state === "running" ? "running" : state);
    const name = n.role === "router" ? `${n.name} (router)` : n.name;
    const host = hostWidth > 0 ? `${blessed.escape((n.host ?? "").padEnd(hostWidth))} ` : "";
    return `${blessed.escape(name.padEnd(nameWidth))} {${colour}-fg}${state.padEnd(9)}{/${colour}-fg} ${host}${blessed.escape(networksText(n))}`;
  });
}

/** The width the lines want, with a column of air before the border. */
export function nodesTextWidth(lines: readonly string[]): number {
  return 1 + Math.max(0, ...lines.map(visibleLength));
}

export class NodesPanel {
  readonly el: Widgets.ListElement;

  constructor(screen: Widgets.Screen) {
    this.el = blessed.list({
      parent: screen,
      label: " Nodes ",
      keys: false,
      tags: true,
      border: { type: "line" },
      style: { selected: { bg: "blue" }, border: { fg: "cyan" } },
    });
  }

  draw(lines: readonly string[], selected: number, selectedName: string | null): void {
    this.el.setItems(lines as never);
    if (selected >= 0) this.el.select(selected);
    const on = selectedName ?? "-";
    const long = `Nodes (actions on: ${on})`;
    // the label takes its text, a space either side, and two columns of border at each end
    setTitle(this.el, long.length + 8 <= (this.el.width as number) ? long : `Nodes: ${on}`);
  }
}
