/** The blessed screen both terminal UIs draw on (the agent's table and the lab dashboard). */
import blessed, { type Widgets } from "blessed";

export interface ScreenOptions {
  title: string;
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
}

export function createScreen(opts: ScreenOptions): Widgets.Screen {
  // @types/blessed has the types of input and output swapped, hence the cast.
  const screen = blessed.screen({
    input: opts.input ?? process.stdin,
    output: opts.output ?? process.stdout,
    smartCSR: true,
    fullUnicode: true,
    warnings: false,
    title: opts.title,
  } as unknown as Widgets.IScreenOptions);
  // Draw box lines as Unicode, not through the terminal's alternate charset
  // (ACS): they then survive tmux captures and copy-paste (blessed reads this flag at draw time).
  (screen as unknown as { tput: { brokenACS: boolean } }).tput.brokenACS = true;
  return screen;
}
