/**
 * `conntest-lab exec NODE -- CMD…`: a command in a node's or router's container, as `docker
 * exec` runs it, with its exit code; without a command, a shell on this terminal.
 */
import { LAB_EXIT, LabFailure, verbFailure } from "../lab-session/lab-io.js";
import type { LabRuntime } from "../runtime/lab-runtime.js";

/**
 * What follows NODE on the command line (commander passes it through untouched, so a
 * command's own options stay its own): `-f FILE`, `--lab NAME` (also `=`) first, then an
 * optional `--`, then the command.
 */
export function splitExecArgs(
  rest: readonly string[],
  before: { file?: string; lab?: string },
): { lab: { file?: string; lab?: string }; argv: string[] } {
  const lab = { ...before };
  let i = 0;
  for (; i < rest.length; i++) {
    const arg = rest[i] as string;
    const [flag, inline] = arg.startsWith("--") ? arg.split("=", 2) : [arg, undefined];
    if (flag !== "-f" && flag !== "--file" && flag !== "--lab") break;
    const value = inline ?? rest[++i];
    if (value === undefined)
      throw new LabFailure(
        `${flag} needs a value: ${flag} ${flag === "--lab" ? "NAME" : "FILE"}`,
        LAB_EXIT.badInput,
      );
    if (flag === "--lab") lab.lab = value;
    else lab.file = value;
  }
  if (rest[i] === "--") i++;
  return { lab, argv: rest.slice(i) };
}

/** bash where the image has it (Debian's does), else sh. */
export const SHELL = ["sh", "-c", "command -v bash >/dev/null && exec bash -l || exec sh -l"];

export interface Terminal {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

export async function execCommand(
  runtime: LabRuntime,
  lab: string,
  node: string,
  command: string[],
  term: Terminal,
): Promise<number> {
  const shell = command.length === 0;
  if (shell && !(term.stdin.isTTY && term.stdout.isTTY))
    throw new LabFailure(
      `exec ${node} without a command opens a shell, which needs a terminal; give a command: exec ${node} -- ip -br addr`,
      LAB_EXIT.badInput,
    );
  // a shell gets this terminal, raw; a command gets what is piped in (nothing from a terminal)
  const stdin = shell ? term.stdin : term.stdin.isTTY ? null : term.stdin;
  const rawBefore = term.stdin.isRaw;
  if (shell) term.stdin.setRawMode(true);
  let onResize: (() => void) | null = null;
  try {
    return await runtime.execAttached(lab, node, shell ? SHELL : command, {
      stdin,
      stdout: term.stdout,
      stderr: term.stderr,
      tty: shell ? { rows: term.stdout.rows, columns: term.stdout.columns } : null,
      onResize: (resize) => {
        onResize = () => resize({ rows: term.stdout.rows, columns: term.stdout.columns });
        term.stdout.on("resize", onResize);
      },
    });
  } catch (err) {
    throw verbFailure(err);
  } finally {
    if (onResize) term.stdout.off("resize", onResize);
    if (shell) term.stdin.setRawMode(rawBefore);
    // our input must not keep the process alive after the command ended
    if (stdin) stdin.pause();
  }
}
