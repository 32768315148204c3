/** `conntest-lab` as a function of argv: parses the command, runs it, returns the exit code. */
import { Command, CommanderError } from "commander";
import { LAB_EXIT, LabFailure, type LabIo, verbFailure } from "../lab-session/lab-io.js";
import { labInFile, namedLab, openRuntime } from "../lab-session/session.js";
import { testCommand } from "../lab-test/test-command.js";
import { DEFAULT_CLUSTER, MAX_CLUSTER_HOSTS } from "../runtime/cluster-plan.js";
import { CONTAINER_ACTIONS, type LabRuntime } from "../runtime/lab-runtime.js";
import { labsText } from "../runtime/labs-text.js";
import { captureCommand } from "./capture-command.js";
import { checkCommand } from "./check-command.js";
import { clusterDown, clusterImpair, clusterStatusCommand, clusterUp } from "./cluster-command.js";
import { attach, down, status, up } from "./commands.js";
import { execCommand, splitExecArgs } from "./exec-command.js";
import { exportCommand } from "./export-command.js";
import { GRAPH_FORMATS, graphCommand } from "./graph-command.js";
import {
  forDuration,
  IMPAIR_OPTIONS,
  type ImpairOptionValues,
  impairInterface,
  impairmentFromOptions,
  showImpairments,
} from "./impair-command.js";

/** The lab a chaos verb acts on (-f FILE, --lab NAME, or the only lab there is), and its runtime. */
async function chaosLab(
  runtime: LabRuntime,
  opts: LabOption,
  io: LabIo,
): Promise<{ name: string; runtime: LabRuntime }> {
  if (opts.lab !== undefined) return namedLab(runtime, opts.lab, io);
  if (opts.file !== undefined) return labInFile(runtime, opts.file, io);
  const labs = await runtime.labs();
  if (labs.length === 1) return { name: (labs[0] as (typeof labs)[number]).lab, runtime };
  throw new LabFailure(
    labs.length === 0
      ? "no lab is up on this engine"
      : `${labs.length} labs are up (${labsText(labs)}); name one with -f FILE or --lab NAME`,
    LAB_EXIT.badInput,
  );
}

interface LabOption {
  file?: string;
  lab?: string;
}

async function chaos(
  io: LabIo,
  opts: LabOption,
  act: (runtime: LabRuntime, lab: string) => Promise<string>,
) {
  const { name: lab, runtime } = await chaosLab(await openRuntime(io), opts, io);
  try {
    io.out(`${await act(runtime, lab)}\n`);
    return LAB_EXIT.ok;
  } catch (err) {
    throw verbFailure(err);
  }
}

/** A file or --lab, not both (nor with --all). */
function oneLab(file: string | undefined, lab: string | undefined, all = false): LabOption {
  if ([file !== undefined, lab !== undefined, all].filter(Boolean).length > 1)
    throw new LabFailure("name one lab: a file, --lab NAME or --all", LAB_EXIT.badInput);
  return { ...(file !== undefined ? { file } : {}), ...(lab !== undefined ? { lab } : {}) };
}

export async function runLabCli(argv: string[], io: LabIo): Promise<number> {
  let result: Promise<number> = Promise.resolve(LAB_EXIT.ok);
  const program = new Command("conntest-lab")
    .description("Build network labs of conntest agents on Docker, watch them, tear them down.")
    .version(io.version)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError("(conntest-lab --help lists the commands)")
    // exec's command keeps its own options: exec NODE ip -br addr
    .enablePositionalOptions();
  const watchOptions = (cmd: Command) =>
    cmd
      .option(
        "--plain",
        "text lines (key=value) instead of the dashboard; the default when stdout is not a terminal",
      )
      .option("--json", "NDJSON lines instead of the dashboard")
      .option("--every <seconds>", "plain/JSON: seconds between connection lines", "1")
      .option(
        "--metrics-port <port>",
        "serve every connection of the lab for Prometheus at http://0.0.0.0:PORT/metrics while watching",
      );
  const watchChoice = (opts: {
    plain?: boolean;
    json?: boolean;
    every: string;
    metricsPort?: string;
  }) => {
    const everyS = Number(opts.every);
    if (!Number.isFinite(everyS) || everyS < 0.1 || everyS > 3600)
      throw new LabFailure(
        `--every ${opts.every}: expected seconds between 0.1 and 3600, e.g. --every 5`,
        LAB_EXIT.badInput,
      );
    const port = opts.metricsPort === undefined ? undefined : Number(opts.metricsPort);
    if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535))
      throw new LabFailure(
        `--metrics-port ${opts.metricsPort}: expected a port from 0 to 65535, e.g. --metrics-port 9464`,
        LAB_EXIT.badInput,
      );
    return {
      plain: opts.plain === true,
      json: opts.json === true,
      everyS,
      ...(port === undefined ? {} : { metricsPort: port }),
    };
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
        opts: {
          detach?: boolean;
          plain?: boolean;
          json?: boolean;
          every: string;
          metricsPort?: string;
        },
      ) => {
        result = up(file, { detach: opts.detach === true, ...watchChoice(opts) }, io);
      },
    );
  watchOptions(
    program.command("attach").argument("<lab-file>", "a lab that is up, e.g. after up --detach"),
  )
    .description("show the dashboard of a running lab; quitting keeps the lab unless you ask")
    .action(
      (
        file: string,
        opts: { plain?: boolean; json?: boolean; every: string; metricsPort?: string },
      ) => {
        result = attach(file, watchChoice(opts), io);
      },
    );
  program
    .command("down")
    .argument("[lab-file]", "the lab to remove")
    .option("--lab <name>", "the lab to remove, by name (also when its file is gone)")
    .option("--all", "every lab on this engine (asks first on a terminal)")
    .option("-y, --yes", "with --all: do not ask")
    .description(
      "remove a lab's containers and networks, found by label; without a lab, list the labs and remove nothing",
    )
    .action((file: string | undefined, opts: { lab?: string; all?: boolean; yes?: boolean }) => {
      result = down({ ...oneLab(file, opts.lab, opts.all), all: opts.all, yes: opts.yes }, io);
    });
  program
    .command("status")
    .argument("[lab-file]", "a lab file")
    .option("--lab <name>", "the lab, by name")
    .option("--json", "one JSON document: nodes and connections with their state")
    .description("the nodes and their connections, once; exit 3 when the lab is not up")
    .action((file: string | undefined, opts: { json?: boolean; lab?: string }) => {
      const choice = oneLab(file, opts.lab);
      if (choice.file === undefined && choice.lab === undefined)
        throw new LabFailure(
          "status needs a lab: status FILE or status --lab NAME",
          LAB_EXIT.badInput,
        );
      result = status(choice, { json: opts.json === true }, io);
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
      .option("-f, --file <lab-file>", "the lab (needed when several labs are up)")
      .option("--lab <name>", "the lab, by name")
      .description(`${action} the node's container (as docker ${action} would)`)
      .action((node: string, opts: LabOption) => {
        result = chaos(io, opts, (runtime, lab) => runtime.containerAction(action, node, lab));
      });
  }
  for (const action of ["disconnect", "connect"] as const) {
    program
      .command(action)
      .argument("<node>", "a node or router name")
      .argument("<network>", "a network name from the lab file")
      .option("-f, --file <lab-file>", "the lab (needed when several labs are up)")
      .option("--lab <name>", "the lab, by name")
      .description(`${action} the node ${action === "connect" ? "to" : "from"} a lab network`)
      .action((node: string, network: string, opts: LabOption) => {
        result = chaos(io, opts, (runtime, lab) =>
          runtime.networkAction(action, node, network, lab),
        );
      });
  }
  program
    .command("impair")
    .argument("[node]", "a node or router name from the lab file")
    .argument("[network]", "one of its networks: the interface whose outgoing traffic is impaired")
    .option("--rate <rate>", "limit the rate, e.g. 20mbit (tc tbf)")
    .option("--loss <percent>", "drop this share of packets, e.g. 2% (iptables statistic)")
    .option("--delay <time>", "add delay, e.g. 20ms (netem)")
    .option("--jitter <time>", "vary the delay by this, e.g. 5ms (netem; needs --delay)")
    .option("--reorder <percent>", "reorder this share of packets (netem; needs --delay)")
    .option("--duplicate <percent>", "duplicate this share of packets (netem)")
    .option(
      "--for <time>",
      "then put back what was there before, e.g. --for 10s (waits; Ctrl-C puts it back at once)",
    )
    .option("--show", "list the impairments in force (of NODE only, when given)")
    .option("--json", "with --show: one JSON document")
    .option("-f, --file <lab-file>", "the lab (needed when several labs are up)")
    .option("--lab <name>", "the lab, by name")
    .description(
      "set (replace) the impairment of NODE's interface on NETWORK on a running lab, as a scenario's impair step does; --show lists them",
    )
    .action(
      (
        node: string | undefined,
        network: string | undefined,
        opts: ImpairOptionValues & LabOption & { for?: string; show?: boolean; json?: boolean },
      ) => {
        result = (async () => {
          if (opts.show) {
            const set = IMPAIR_OPTIONS.filter((k) => opts[k] !== undefined);
            if (network !== undefined || set.length > 0 || opts.for !== undefined)
              throw new LabFailure(
                "impair --show [NODE] lists; it sets nothing (drop the network and the impairment options)",
                LAB_EXIT.badInput,
              );
            const { name, runtime } = await chaosLab(await openRuntime(io), opts, io);
            return showImpairments(runtime, name, node, opts.json === true, io);
          }
          if (node === undefined || network === undefined)
            throw new LabFailure(
              "impair needs a node and a network: impair NODE NETWORK --rate 20mbit --loss 2% (or impair --show)",
              LAB_EXIT.badInput,
            );
          if (opts.json) throw new LabFailure("--json goes with --show", LAB_EXIT.badInput);
          const spec = impairmentFromOptions(opts);
          const forMs = forDuration(opts.for);
          const { name, runtime } = await chaosLab(await openRuntime(io), opts, io);
          return impairInterface(runtime, name, node, network, spec, forMs, io);
        })();
      },
    );
  program
    .command("clear")
    .argument("<node>", "a node or router name")
    .argument("<network>", "one of its networks")
    .option("-f, --file <lab-file>", "the lab (needed when several labs are up)")
    .option("--lab <name>", "the lab, by name")
    .description(
      "take the impairment of NODE's interface on NETWORK away, as a scenario's clear step does",
    )
    .action((node: string, network: string, opts: LabOption) => {
      result = (async () => {
        const { name, runtime } = await chaosLab(await openRuntime(io), opts, io);
        return impairInterface(runtime, name, node, network, null, undefined, io);
      })();
    });
  program
    .command("check")
    .argument("<lab-file>", "a lab file, e.g. labs/nat.yaml")
    .option("--json", "one JSON document: every connect with its predicted fate")
    .description(
      "check the file as up would, create nothing, and say for every connect what the topology should do and why: reaches directly, through NAT or a port forward, blocked by a firewall rule, no route",
    )
    .action((file: string, opts: { json?: boolean }) => {
      result = checkCommand(file, opts, io);
    });
  program
    .command("export")
    .argument("<lab-file>", "a lab file, e.g. labs/basic.yaml")
    .option(
      "--compose",
      "as a Compose file that docker compose (or docker-compose 1.29) brings up on its own",
    )
    .option("-o, --output <file>", "write it to this file (else stdout)")
    .description("write the lab in another tool's form; creates nothing")
    .action((file: string, opts: { compose?: boolean; output?: string }) => {
      result = exportCommand(file, opts, io);
    });
  program
    .command("graph")
    .argument("<lab-file>", "a lab file, e.g. labs/nat.yaml")
    .option(
      "--format <format>",
      `${GRAPH_FORMATS.join(", ")} (default: by -o's extension, else mermaid)`,
    )
    .option("-o, --output <file>", "write it to this file (else stdout)")
    .description(
      "draw the lab: networks, routers with their NAT and firewall, nodes with addresses, connects as arrows; svg and png through Graphviz; creates nothing",
    )
    .action((file: string, opts: { format?: string; output?: string }) => {
      result = graphCommand(file, opts, io);
    });
  program
    .command("exec")
    .argument("<node>", "a node or router name from the lab file")
    .argument("[command...]", "the command and its arguments, after --; none: a shell")
    .option("-f, --file <lab-file>", "the lab (needed when several labs are up)")
    .option("--lab <name>", "the lab, by name")
    .passThroughOptions()
    .description(
      "run a command in a node's or router's container and exit with its exit code (exec NODE -- ip -br addr); without one, a shell on this terminal",
    )
    .action((node: string, command: string[], opts: LabOption) => {
      result = (async () => {
        const term = io.terminal;
        if (term === undefined)
          throw new LabFailure("exec needs the process's streams", LAB_EXIT.failed);
        // passed through after NODE: our own options first, then `--`, then the command
        const { lab, argv } = splitExecArgs(command, opts);
        const { name, runtime } = await chaosLab(await openRuntime(io), lab, io);
        return execCommand(runtime, name, node, argv, term);
      })();
    });
  program
    .command("capture")
    .argument("<node>", "a node or router name from the lab file")
    .argument("<network>", "one of its networks: the interface to capture on")
    .option("-w, --write <file>", "write the pcap to this file on the host (else stdout)")
    .option("--filter <bpf>", 'only packets that match this BPF filter, e.g. "udp port 1234"')
    .option("--for <time>", "stop after this long, e.g. 10s (else Ctrl-C stops)")
    .option("-f, --file <lab-file>", "the lab (needed when several labs are up)")
    .option("--lab <name>", "the lab, by name")
    .description(
      "capture packets on a node's interface (tcpdump in its container) as pcap: -w FILE, or stdout for | wireshark -k -i -",
    )
    .action(
      (
        node: string,
        network: string,
        opts: LabOption & { write?: string; filter?: string; for?: string },
      ) => {
        result = (async () => {
          const forMs = forDuration(opts.for);
          const { name, runtime } = await chaosLab(await openRuntime(io), opts, io);
          return captureCommand(
            runtime,
            name,
            node,
            network,
            {
              ...(opts.write !== undefined ? { write: opts.write } : {}),
              ...(opts.filter !== undefined ? { filter: opts.filter } : {}),
              ...(forMs !== undefined ? { forMs } : {}),
            },
            io,
          );
        })();
      },
    );
  const cluster = program
    .command("cluster")
    .description(
      "a simulated cluster of Docker hosts on this machine (Docker-in-Docker, one swarm) for labs with host: h1 … hN",
    );
  const clusterName = (cmd: Command) =>
    cmd.option("--name <name>", "the cluster's name", DEFAULT_CLUSTER);
  clusterName(
    cluster
      .command("up")
      .requiredOption("--hosts <n>", `how many hosts, h1 … hN (1 to ${MAX_CLUSTER_HOSTS})`)
      .option("--rate <rate>", "limit each host's uplink, e.g. 100mbit (tbf)")
      .option("--loss <percent>", "drop this share of what each host sends, e.g. 1%")
      .description("start N simulated hosts, each its own Docker engine, joined in one swarm"),
  ).action((opts: { name: string; hosts: string; rate?: string; loss?: string }) => {
    result = clusterUp(opts, io);
  });
  clusterName(
    cluster
      .command("down")
      .option("--all", "every simulated cluster on this engine")
      .description("remove the cluster's hosts with their volumes, and its network"),
  ).action((opts: { name: string; all?: boolean }) => {
    result = clusterDown(opts, io);
  });
  clusterName(
    cluster
      .command("impair")
      .option("--rate <rate>", "limit each host's uplink, e.g. 100mbit (tbf)")
      .option("--loss <percent>", "drop this share of what each host sends, e.g. 1%")
      .option("--clear", "take the uplink impairments away")
      .description("set (or clear) the uplink impairment of every host of a running cluster"),
  ).action((opts: { name: string; rate?: string; loss?: string; clear?: boolean }) => {
    result = clusterImpair(opts, io);
  });
  clusterName(
    cluster
      .command("status")
      .option("--json", "one JSON document")
      .description(
        "each host: state, engine, whether it answers, swarm role; exit 3 when no cluster is up, 1 when a host does not answer",
      ),
  ).action((opts: { name: string; json?: boolean }) => {
    result = clusterStatusCommand(opts, io);
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
