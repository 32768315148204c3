/** The one function of the lab core that does I/O: reading a lab file. */

import { readFile } from "node:fs/promises";
import { type ParseLabResult, parseLab } from "./parse-lab.js";
import type { ValidateOptions } from "./validate-lab.js";

/** Reads and checks a lab file; an unreadable file is reported as an error at 1:1. */
export async function loadLab(
  file: string,
  options: ValidateOptions = {},
): Promise<ParseLabResult> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    const message = `cannot read the lab file (${code})`;
    return { ok: false, errors: [{ file, line: 1, column: 1, path: "", message, frame: "" }] };
  }
  return parseLab(text, file, options);
}
