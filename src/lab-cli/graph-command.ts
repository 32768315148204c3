/**
 * `conntest-lab graph FILE`: the lab's topology as Mermaid or DOT text, or rendered to SVG or
 * PNG by Graphviz's `dot` (Debian's graphviz package: offline, no browser). Nothing is created:
 * the file is read and checked only.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { labGraph, toDot, toMermaid } from "../lab/lab-graph.js";
import { readLab } from "../lab/load-lab.js";
import { LAB_EXIT, LabFailure, type LabIo } from "../lab-session/lab-io.js";
import { labErrors } from "../lab-session/session.js";

export const GRAPH_FORMATS = ["mermaid", "dot", "svg", "png"] as const;
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

export function graphFormat(text: string | undefined, output: string | undefined): GraphFormat {
  const format = text ?? output?.match(/\.(svg|png|dot|mmd)$/)?.[1] ?? "mermaid";
  const known = format === "mmd" ? "mermaid" : format;
  if (!(GRAPH_FORMATS as readonly string[]).includes(known))
    throw new LabFailure(
      `--format ${format}: expected one of ${GRAPH_FORMATS.join(", ")}`,
      LAB_EXIT.badInput,
    );
  return known as GraphFormat;
}

/** DOT rendered by Graphviz; a clear line where it is not installed. */
function render(dot: string, format: "svg" | "png"): Buffer {
  const r = spawnSync("dot", [`-T${format}`], { input: dot, maxBuffer: 64 * 1024 * 1024 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT")
    throw new LabFailure(
      `--format ${format} renders with Graphviz's dot, which is not installed: sudo apt-get install graphviz (or use --format dot or mermaid)`,
      LAB_EXIT.badInput,
    );
  if (r.status !== 0)
    throw new LabFailure(
      `dot -T${format} failed (a bug: please report it): ${r.stderr.toString().trim()}`,
      LAB_EXIT.failed,
    );
  return r.stdout;
}

export async function graphCommand(
  file: string,
  opts: { format?: string; output?: string },
  io: LabIo,
): Promise<number> {
  const format = graphFormat(opts.format, opts.output);
  if (format === "png" && opts.output === undefined && io.isTTY)
    throw new LabFailure(
      "a PNG is not for a terminal: write it with -o FILE.png, or pipe it",
      LAB_EXIT.badInput,
    );
  const read = await readLab(file);
  if (!read.ok) throw labErrors(read.errors, file, io);
  const model = labGraph(read.lab, read.plan);
  const text = format === "mermaid" ? toMermaid(model) : toDot(model);
  const out: string | Buffer = format === "svg" || format === "png" ? render(text, format) : text;
  if (opts.output !== undefined) {
    writeFileSync(opts.output, out);
    io.err(`wrote ${opts.output} (${format}, ${out.length} bytes)\n`);
  } else if (typeof out === "string") io.out(out);
  else if (io.terminal) io.terminal.stdout.write(out);
  else io.out(out.toString("binary"));
  return LAB_EXIT.ok;
}
