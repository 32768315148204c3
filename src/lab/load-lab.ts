/** The one function of the lab core that does I/O: reading a lab file. */

import { readFile } from "node:fs/promises";
import {
  checkLab,
  type LabSourceResult,
  type ParseLabResult,
  parseLabSource,
} from "./parse-lab.js";
import type { ValidateOptions } from "./validate-lab.js";

/**
 * A command's one read of a lab file: the file, YAML and the schema. Check what it gives with
 * checkLab once what the checks need (the engine's subnets) is known; or use readLab.
 * An unreadable file is reported as an error at 1:1.
 */
export async function readLabSource(file: string): Promise<LabSourceResult> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    const message = `cannot read the lab file (${code})`;
    return {
      ok: false,
      errors: [{ code: "UNREADABLE", file, line: 1, column: 1, path: "", message, frame: "" }],
    };
  }
  return parseLabSource(text, file);
}

/** Reads and checks a lab file, once: the checked lab and its address plan, or every error. */
export async function readLab(
  file: string,
  options: ValidateOptions = {},
): Promise<ParseLabResult> {
  const read = await readLabSource(file);
  return read.ok ? checkLab(read.source, options) : read;
}
