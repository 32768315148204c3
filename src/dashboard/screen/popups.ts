/**
 * Boxes over the dashboard that take every key until they close: the help,
 * the quit question, a list to pick from, and a line to type.
 */
import blessed, { type Widgets } from "blessed";
import { HELP_TEXT } from "./keys.js";

export class Popups {
  private box: Widgets.BoxElement | null = null;
  private keys: ((name: string, ch?: string) => void) | null = null;

  /** `closed` runs after a popup closes, so the dashboard draws again. */
  constructor(
    private readonly screen: Widgets.Screen,
    private readonly closed: () => void,
  ) {}

  get isOpen(): boolean {
    return this.box !== null;
  }

  /** Gives the key (and the character it typed) to the open popup; false when none is open. */
  handle(name: string, ch?: string): boolean {
    if (this.keys === null) return false;
    this.keys(name, ch);
    return true;
  }

  close(): void {
    this.box?.destroy();
    this.box = null;
    this.keys = null;
    this.closed();
  }

  private open(
    lines: number,
    width: number,
    title: string,
    keys: (name: string, ch?: string) => void,
  ) {
    this.box?.destroy();
    this.box = blessed.box({
      parent: this.screen,
      top: "center",
      left: "center",
      width: Math.min(width, this.screen.width as number),
      height: Math.min(lines + 2, this.screen.height as number),
      border: { type: "line" },
      label: ` ${title} `,
      tags: true,
      style: { border: { fg: "white" } },
    });
    this.keys = keys;
    return this.box;
  }

  help(): void {
    const box = this.open(HELP_TEXT.split("\n").length, 84, "Help", (name) => {
      if (["escape", "?", "q", "enter"].includes(name)) this.close();
    });
    box.setContent(blessed.escape(HELP_TEXT));
    this.screen.render();
  }

  /** Keep the lab or tear it down; Enter takes the default, Esc stays. */
  quit(lab: string, keepDefault: boolean, choose: (choice: "keep" | "down") => void): void {
    const box = this.open(4, 64, "Quit", (name) => {
      if (name === "k" || name === "y") choose("keep");
      else if (name === "d" || name === "n") choose("down");
      else if (name === "enter") choose(keepDefault ? "keep" : "down");
      else if (name === "escape") this.close();
    });
    box.setContent(
      `Leave the dashboard. What about lab {bold}${blessed.escape(lab)}{/bold}?\n\n` +
        `  k  keep it running${keepDefault ? " (Enter)" : ""}\n` +
        `  d  tear it down${keepDefault ? "" : " (Enter)"}        Esc  stay here`,
    );
    this.screen.render();
  }

  /**
   * A line to type, under a hint. Enter hands it to `submit`, which returns null to close or
   * what is wrong with it (shown; the line stays for mending). Esc closes.
   */
  ask(title: string, hint: string, submit: (text: string) => string | null): void {
    let text = "";
    let problem = "";
    const box = this.open(5, 72, title, (name, ch) => {
      if (name === "escape") {
        this.close();
        return;
      }
      if (name === "enter") {
        const wrong = submit(text);
        if (wrong === null) {
          this.close();
          return;
        }
        problem = wrong;
      } else if (name === "backspace") text = text.slice(0, -1);
      else if (ch !== undefined && ch >= " " && ch !== "\x7f" && text.length < 60) text += ch;
      paint();
    });
    const paint = () => {
      box.setContent(
        [
          blessed.escape(hint),
          `> ${blessed.escape(text)}{inverse} {/inverse}`,
          problem === "" ? "" : `{red-fg}${blessed.escape(problem)}{/red-fg}`,
          "Enter: do it   Esc: close",
        ].join("\n"),
      );
      this.screen.render();
    };
    paint();
  }

  /** A list to choose one entry from with ↑ ↓ and Enter. */
  pick<T extends { text: string }>(title: string, choices: readonly T[], run: (c: T) => void) {
    let at = 0;
    const box = this.open(choices.length + 1, 50, title, (name) => {
      if (name === "up") at = Math.max(0, at - 1);
      else if (name === "down") at = Math.min(choices.length - 1, at + 1);
      else if (name === "enter") {
        this.close();
        run(choices[at] as T);
        return;
      } else if (name === "escape" || name === "q") {
        this.close();
        return;
      }
      paint();
    });
    const paint = () => {
      box.setContent(
        [
          ...choices.map((c, i) =>
            i === at
              ? `{inverse} ${blessed.escape(c.text)} {/inverse}`
              : `  ${blessed.escape(c.text)}`,
          ),
          "Enter: do it   Esc: close",
        ].join("\n"),
      );
      this.screen.render();
    };
    paint();
  }
}
