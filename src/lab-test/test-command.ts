/**
 * `conntest-lab test FILE...`: every file checked first (nothing is created
 * when one is bad), then each lab run as a test in turn, a summary printed
 * and the reports written. Exit 0 when every expectation held, 1 when one
 * failed, 2 on a bad file or environment, 130 on Ctrl-C.
 */

import { accessSync, constants } from "node:fs";
import { writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { readLabSource } from "../lab/load-lab.js";
import { formatLabError } from "../lab/parse-lab.js";
import { interruptSignal } from "../lab-session/interrupts.js";
import { LAB_EXIT, LabFailure, type LabIo } from "../lab-session/lab-io.js";
import {
  imageAndNetem,
  netemUses,
  openRuntime,
  type PlannedLab,
  plannedLab,
} from "../lab-session/session.js";
import { jsonReport, junitXml, type LabTestResult, summaryText } from "./report.js";
import { Interrupted, labTestResult, runLabTest } from "./run-lab-test.js";

export interface TestOptions {
  json?: string;
  junit?: string;
}

function writable(path: string, flag: string): void {
  try {
    accessSync(dirname(resolve(path)), constants.W_OK);
  } catch {
    throw new LabFailure(
      `${flag} ${path}: cannot write there (its folder is missing or read-only); give a path in an existing folder`,
      LAB_EXIT.badInput,
    );
  }
}

async function writeReports(
  results: LabTestResult[],
  options: TestOptions,
  io: LabIo,
): Promise<void> {
  if (options.json) {
    await writeFile(options.json, jsonReport(results));
    io.out(`JSON report: ${options.json}\n`);
  }
  if (options.junit) {
    await writeFile(options.junit, junitXml(results));
    io.out(`JUnit report: ${options.junit}\n`);
  }
}

function exitCodeOf(results: readonly LabTestResult[]): number {
  if (results.some((r) => r.outcome === "error")) return LAB_EXIT.badInput;
  if (results.some((r) => r.outcome === "failed")) return LAB_EXIT.failed;
  return LAB_EXIT.ok;
}

export async function testCommand(
  files: string[],
  options: TestOptions,
  io: LabIo,
): Promise<number> {
  if (options.json) writable(options.json, "--json");
  if (options.junit) writable(options.junit, "--junit");
  const runtime = await openRuntime(io);
  const started = new Date();

  // 1. every file, before anything is created
  const labs = [];
  for (const file of files) {
    const parsed = await readLabSource(file);
    if (!parsed.ok) {
      for (const e of parsed.errors) io.err(`${formatLabError(e)}\n`);
      labs.push({ file, error: `${parsed.errors.length} error(s) in the file (see above)` });
    } else labs.push({ file, lab: parsed.source.lab, source: parsed.source });
  }
  const needNetem = labs.some((l) => l.lab !== undefined && netemUses(l.lab).length > 0);
  const { image, netem } = await imageAndNetem(runtime, io, needNetem);
  const checked: LabTestResult[] = [];
  const ready = new Map<string, PlannedLab>();
  for (const l of labs) {
    let error = l.error ?? null;
    if (error === null && l.source !== undefined) {
      try {
        // with the engine's subnets and what this kernel can do
        ready.set(l.file, await plannedLab(runtime, l.source, io, { image, netem }));
      } catch (err) {
        if (!(err instanceof LabFailure)) throw err;
        error = err.message;
      }
    }
    if (error !== null)
      checked.push({
        ...labTestResult(l.file, started, "error", { lab: l.lab?.name ?? "", error }),
        durationS: 0,
      });
  }
  if (checked.length > 0) {
    io.out(`${summaryText(checked)}\n`);
    await writeReports(checked, options, io);
    io.err(
      `conntest-lab: ${checked.length} of ${files.length} lab files cannot be tested; nothing was created\n`,
    );
    return LAB_EXIT.badInput;
  }

  // 2. each lab in turn; Ctrl-C tears the current one down and stops
  const interrupted = interruptSignal();
  const results: LabTestResult[] = [];
  try {
    for (const file of files) {
      results.push(
        await runLabTest(runtime, file, io, {
          signal: interrupted.signal,
          planned: ready.get(file) as PlannedLab,
        }),
      );
    }
  } catch (err) {
    if (err instanceof Interrupted) {
      io.out(`${summaryText(results)}\n`);
      await writeReports(results, options, io);
      throw new LabFailure("interrupted: the lab under test was removed", LAB_EXIT.interrupted);
    }
    throw err;
  } finally {
    interrupted.stop();
  }
  io.out(`\n${summaryText(results)}\n`);
  await writeReports(results, options, io);
  return exitCodeOf(results);
}
