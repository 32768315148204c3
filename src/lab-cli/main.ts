/** `conntest-lab` as a function of argv: parses the command, runs it, returns the exit code. */
import { Command, CommanderError } from "commander";
import { down, LAB_EXIT, LabFailure, type LabIo, status, up } from "./commands.js";

export async function runLabCli(argv: string[], io: LabIo): Promise<number> {
  let result: Promise<number> = Promise.resolve(LAB_EXIT.ok);
  const program = new Command("conntest-lab")
    .description("Build network labs of conntest agents on Docker, watch them, tear them down.")
    .version(io.version)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError("(conntest-lab --help lists the commands)");
  program
    .command("up")
    .argument("<lab-file>", "a lab file, e.g. labs/basic.yaml (see docs/lab-file.md)")
    .option("-d, --detach", "return once the lab is up and every agent has started")
    .description(
      "build what is missing, bring the lab up, show it live; q or Ctrl-C asks whether to keep it",
    )
    .action((file: string, opts: { detach?: boolean }) => {
      result = up(file, { detach: opts.detach === true }, io);
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
