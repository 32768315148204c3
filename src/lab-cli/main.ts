/** `conntest-lab` as a function of argv: parses the command, runs it, returns the exit code. */
import { Command, CommanderError } from "commander";
import { testCommand } from "../lab-test/test-command.js";
import {
  ChaosError,
  CONTAINER_ACTIONS,
  containerAction,
  dockerReason,
  networkAction,
} from "./chaos.js";
import {
  attach,
  down,
  engineFor,
  LAB_EXIT,
  LabFailure,
  type LabIo,
  labNameOf,
  status,
  up,
} from "./commands.js";

async function chaos(
  io: LabIo,
  file: string | undefined,
  act: (docker: import("dockerode"), lab?: string) => Promise<string>,
) {
  const docker = await engineFor();
  const lab = file ? await labNameOf(file) : undefined;
  try {
    io.out(`${await act(docker, lab)}\n`);
    return LAB_EXIT.ok;
  } catch (err) {
    if (err instanceof ChaosError) throw new LabFailure(err.message, LAB_EXIT.badInput);
    throw new LabFailure(dockerReason(err), LAB_EXIT.failed);
  }
}

export async function runLabCli(argv: string[], io: LabIo): Promise<number> {
  let result: Promise<number> = Promise.resolve(LAB_EXIT.ok);
  const program = new Command("conntest-lab")
    .description("Build network labs of conntest agents on Docker, watch them, tear them down.")
    .version(io.version)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError("(conntest-lab --help lists the commands)");
  const watchOptions = (cmd: Command) =>
    cmd
      .option(
        "--plain",
        "text lines (key=value) instead of the dashboard; the default when stdout is not a terminal",
      )
      .option("--json", "NDJSON lines instead of the dashboard")
      .option("--every <seconds>", "plain/JSON: seconds between connection lines", "1");
  const watchChoice = (opts: { plain?: boolean; json?: boolean; every: string }) => {
    const everyS = Number(opts.every);
    if (!Number.isFinite(everyS) || everyS < 0.1 || everyS > 3600)
      throw new LabFailure(
        `--every ${opts.every}: expected seconds between 0.1 and 3600, e.g. --every 5`,
        LAB_EXIT.badInput,
      );
    return { plain: opts.plain === true, json: opts.json === true, everyS };
  };
  watchOptions(
    program
      .command("up")
      .argument("<lab-file>", "a lab file, e.g. labs/basic.yaml (see docs/lab-file.md)")
      .option("-d, --detach", "return once the lab is up and every agent has started"),
  )
    .description(
      "build what is missing, bring the lab up and show the dashboard; q asks whether to keep the lab, Ctrl-C tears it down",
    )
    .action(
      (
        file: string,
        opts: { detach?: boolean; plain?: boolean; json?: boolean; every: string },
      ) => {
        result = up(file, { detach: opts.detach === true, ...watchChoice(opts) }, io);
      },
    );
  watchOptions(
    program.command("attach").argument("<lab-file>", "a lab that is up, e.g. after up --detach"),
  )
    .description("show the dashboard of a running lab; quitting keeps the lab unless you ask")
    .action((file: string, opts: { plain?: boolean; json?: boolean; every: string }) => {
      result = attach(file, watchChoice(opts), io);
    });
  program
    .command("down")
    .argument("[lab-file]", "the lab to remove; without it, every lab")
    .description("remove a lab's containers and networks, found by label")
    .action((file: string | undefined) => {
      result = down(file, io);
    });
  program
    .command("status")
    .argument("<lab-file>", "a lab file")
    .option("--json", "one JSON document: nodes and connections with their state")
    .description("the nodes and their connections, once")
    .action((file: string, opts: { json?: boolean }) => {
      result = status(file, { json: opts.json === true }, io);
    });
  program
    .command("test")
    .argument(
      "<lab-files...>",
      "lab files with expect: (and scenario:) sections, run one after another",
    )
    .option("--json <file>", "write a JSON report")
    .option("--junit <file>", "write a JUnit XML report (one test case per expectation)")
    .description(
      "run each lab headless: bring it up, run its scenario, check its expectations, tear it down; exit 0 all held, 1 one failed, 2 bad file or environment",
    )
    .action((files: string[], opts: { json?: string; junit?: string }) => {
      result = testCommand(files, opts, io);
    });
  for (const action of CONTAINER_ACTIONS) {
    program
      .command(action)
      .argument("<node>", "a node or router name from the lab file")
      .option("-f, --file <lab-file>", "the lab, when several labs have that node")
      .description(`${action} the node's container (as docker ${action} would)`)
      .action((node: string, opts: { file?: string }) => {
        result = chaos(io, opts.file, (docker, lab) => containerAction(docker, action, node, lab));
      });
  }
  for (const action of ["disconnect", "connect"] as const) {
    program
      .command(action)
      .argument("<node>", "a node or router name")
      .argument("<network>", "a network name from the lab file")
      .option("-f, --file <lab-file>", "the lab, when several labs have that node")
      .description(`${action} the node ${action === "connect" ? "to" : "from"} a lab network`)
      .action((node: string, network: string, opts: { file?: string }) => {
        result = chaos(io, opts.file, (docker, lab) =>
          networkAction(docker, action, node, network, lab),
        );
      });
  }
  try {
    await program.parseAsync(argv, { from: "user" });
    return await result;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? LAB_EXIT.ok : LAB_EXIT.badInput;
    if (err instanceof LabFailure) {
      io.err(`conntest-lab: ${err.message}\n`);
      return err.code;
    }
    io.err(`conntest-lab: internal error: ${(err as Error).message} (a bug: please report it)\n`);
    return LAB_EXIT.failed;
  }
}
