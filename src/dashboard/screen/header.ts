/** The dashboard's two header lines: the lab, its uptime and totals, then the keys. */
import blessed, { type Widgets } from "blessed";
import { formatBits, formatDuration } from "../../output/format-units.js";
import type { LabView } from "../lab-view.js";
import { KEY_LINE, NARROW_KEY_LINE } from "./keys.js";

export class HeaderPanel {
  private readonly box: Widgets.BoxElement;

  constructor(screen: Widgets.Screen) {
    // wrap: false: a wrapped first line would push the second one out
    this.box = blessed.box({
      parent: screen,
      top: 0,
      left: 0,
      width: "100%",
      height: 2,
      tags: true,
      wrap: false,
    });
  }

  draw(view: LabView, nowMs: number, width: number): void {
    const totals = view.totals();
    const down = totals.connections_down;
    // a narrow terminal gets the short words, so both totals still fit
    const wide = width >= 100;
    this.box.setContent(
      ` {bold}lab ${blessed.escape(view.lab)}{/bold}   up ${formatDuration(view.uptimeS(nowMs))}   ` +
        `${wide ? "connections " : ""}{green-fg}${totals.connections_up} up{/green-fg}, ` +
        `${down > 0 ? `{red-fg}${down} down{/red-fg}` : "0 down"}   ` +
        `${wide ? "total " : ""}↑ ${formatBits(totals.up_bps)} ↓ ${formatBits(totals.down_bps)}\n` +
        ` ${wide ? KEY_LINE : NARROW_KEY_LINE}`,
    );
  }
}
