/**
 * The command line of `conntest`, kept compatible with the MirageOS original
 * (`--name`, `--listen tcp:1234`, `--connect URI`, `--timeout`, `--ui notty`). Pure: the caller
 * prints the returned text and exits.
 */

import { Command, CommanderError } from "commander";
import { type AgentConfig, DEFAULTS, type ListenSpec, type UiMode } from "./config.js";
import { editDistance } from "./edit-distance.js";
import { parseConnect, parseListen } from "./endpoint-uri.js";
import { EXIT } from "./exit-codes.js";
import { parseSeconds } from "./units.js";
import { quote, UsageError } from "./usage-error.js";

export type ParseResult =
  | { kind: "run"; config: AgentConfig }
  | { kind: "help"; text: string }
  | { kind: "version"; text: string }
  | { kind: "error"; message: string; exitCode: number };

export interface ArgsEnv {
  /** Whether stdout is a terminal: picks the default --ui. */
  isTTY: boolean;
  /** Printed by --version and at the top of --help. */
  version: string;
}

interface ValueOption {
  flag: string;
  /** The name commander stores the values under. */
  key: string;
  metavar: string;
  description: string;
  /** Shown as "(default: ...)" in --help. */
  shownDefault?: string;
  /** A valid value, for "e.g." in errors. */
  example: string;
  repeatable?: boolean;
}

const seconds = (ms: number): string => String(ms / 1000);
/** 128000 -> "128kb", as packet-size= takes it. */
const sizeText = (n: number): string =>
  n % 1e6 === 0 ? `${n / 1e6}mb` : n % 1e3 === 0 ? `${n / 1e3}kb` : String(n);
/** 10000000 -> "10m", as rate= takes it. */
const rateText = (bps: number): string =>
  bps === 0
    ? "0"
    : bps % 1e6 === 0
      ? `${bps / 1e6}m`
      : bps % 1e3 === 0
        ? `${bps / 1e3}k`
        : String(bps);

const VALUE_OPTIONS: readonly ValueOption[] = [
  {
    flag: "--name",
    key: "name",
    metavar: "NAME",
    description: "Name of this agent, shown by its peers: 1 to 64 of A-Z a-z 0-9 . _ -. Required",
    example: "receiver",
  },
  {
    flag: "--listen",
    key: "listen",
    metavar: "SPEC",
    description:
      "Accept peers on tcp:PORT or udp:PORT; tcp:ADDRESS:PORT listens on one address only. Repeatable",
    example: "tcp:1234",
    repeatable: true,
  },
  {
    flag: "--connect",
    key: "connect",
    metavar: "URI",
    description:
      "Connect to a peer at tcp://HOST:PORT?OPTIONS or udp://HOST:PORT?OPTIONS (see below), and reconnect whenever the connection is lost. Repeatable",
    example: "'tcp://127.0.0.1:1234?monitor-bandwidth'",
    repeatable: true,
  },
  {
    flag: "--timeout",
    key: "timeout",
    metavar: "SECONDS",
    description:
      "Drop and re-establish a connection that has received nothing for this long; longer than --ping-interval",
    shownDefault: seconds(DEFAULTS.timeoutMs),
    example: seconds(DEFAULTS.timeoutMs),
  },
  {
    flag: "--ui",
    key: "ui",
    metavar: "MODE",
    description: "tui: a full-screen view (notty is an alias); log: one line per event or stats",
    shownDefault: "tui on a terminal, log otherwise",
    example: "log",
  },
  {
    flag: "--ping-interval",
    key: "pingInterval",
    metavar: "SECONDS",
    description: "Gap between two pings on a connection",
    shownDefault: seconds(DEFAULTS.pingIntervalMs),
    example: seconds(DEFAULTS.pingIntervalMs),
  },
  {
    flag: "--round",
    key: "round",
    metavar: "SECONDS",
    description: "How long each direction (up, then down) of a bandwidth round sends",
    shownDefault: seconds(DEFAULTS.roundMs),
    example: seconds(DEFAULTS.roundMs),
  },
  {
    flag: "--round-pause",
    key: "roundPause",
    metavar: "SECONDS",
    description: "Pause between two bandwidth rounds",
    shownDefault: seconds(DEFAULTS.roundPauseMs),
    example: seconds(DEFAULTS.roundPauseMs),
  },
  {
    flag: "--reconnect-max",
    key: "reconnectMax",
    metavar: "SECONDS",
    description: "Longest wait between two reconnect attempts (the cap of the back-off)",
    shownDefault: seconds(DEFAULTS.reconnectMaxMs),
    example: seconds(DEFAULTS.reconnectMaxMs),
  },
  {
    flag: "--stats-interval",
    key: "statsInterval",
    metavar: "SECONDS",
    description: "How often a stats line is printed per connection",
    shownDefault: seconds(DEFAULTS.statsIntervalMs),
    example: seconds(DEFAULTS.statsIntervalMs),
  },
  {
    flag: "--metrics-port",
    key: "metricsPort",
    metavar: "PORT",
    description: "Serve Prometheus metrics at http://ADDRESS:PORT/metrics on all addresses",
    shownDefault: "off",
    example: "9100",
  },
];

const FLAG_OPTIONS = [
  { flags: "-h, --help", key: "help", description: "Show this help and exit" },
  { flags: "--version", key: "version", description: "Show the version and exit" },
  {
    flags: "--clock-sync",
    key: "clockSync",
    description:
      "This host's wall clock is synchronised with its peers' (PTP, NTP): measure one-way delay on it. Give it to every agent or none. Agents on one kernel (a lab on one host) share its monotonic clock and need no flag",
  },
] as const;

const URI_OPTIONS = [
  {
    usage: "monitor-bandwidth",
    description:
      "Run bandwidth rounds on this connection: send for --round seconds, then receive as long (default: off, only pings)",
  },
  {
    usage: "packet-size=SIZE",
    description: `Bytes per packet, header included: N, Nkb, Nmb or Ngb, with 1 kb = 1000 bytes; at least 64, at most 16mb over TCP and 65507 over UDP (default: tcp ${sizeText(DEFAULTS.tcpPacketSize)}, udp ${sizeText(DEFAULTS.udpPacketSize)})`,
  },
  {
    usage: "rate=RATE",
    description: `Target send rate in bits per second during a bandwidth round: N, Nk, Nm or Ng, optionally followed by bit, as in iperf3 -b; 0 is as fast as possible (default: tcp ${rateText(DEFAULTS.tcpRateBps)}, udp ${rateText(DEFAULTS.udpRateBps)})`,
  },
  {
    usage: "streams=N",
    description:
      "Open N parallel connections (streams) that measure as one, as iperf3 -P (default: 1)",
  },
  {
    usage: "bidir",
    description: "With monitor-bandwidth: send both ways at once, as iperf3 --bidir",
  },
  {
    usage: "family=4|6",
    description:
      "Resolve HOST to IPv4 (A) or IPv6 (AAAA) addresses only, as ping -4/-6 (default: IPv4 first); an IPv6 address goes in brackets: tcp://[::1]:1234",
  },
] as const;

const EXAMPLES = [
  ["Wait for peers on TCP port 1234:", "conntest --name receiver --listen tcp:1234"],
  [
    "Connect to it and measure bandwidth with 5 MB packets:",
    "conntest --name sender --connect 'tcp://127.0.0.1:1234?monitor-bandwidth&packet-size=5mb'",
  ],
  [
    "Listen on UDP and send to a container by name at 50 Mbit/s:",
    "conntest --name a --listen udp:1234 --connect 'udp://lab-node_2:1234?monitor-bandwidth&rate=50m'",
  ],
  [
    "One log line per event, e.g. under Docker, and a longer timeout:",
    "conntest --name b --ui log --listen tcp:1234 --timeout 10",
  ],
] as const;

/** Why each exit code happens; a Record so a new code in EXIT must be described here. */
const EXIT_DESCRIPTIONS: Record<keyof typeof EXIT, string> = {
  ok: "stopped by SIGINT or SIGTERM",
  usage: "a bad argument",
  unavailable: "a port could not be listened on (in use, no permission)",
  software: "an internal error (a bug)",
};

const HELP_WIDTH = 80;
const TERM_WIDTH = 28;

/** Word-wraps `text` to HELP_WIDTH, every line but the first indented by `indent`. */
function wrap(text: string, indent: number): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && indent + line.length + 1 + word.length > HELP_WIDTH) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines.join(`\n${" ".repeat(indent)}`);
}

function item(term: string, description: string, termWidth = TERM_WIDTH): string {
  const head = `  ${term}`;
  if (head.length >= termWidth) {
    return `${head}\n${" ".repeat(termWidth)}${wrap(description, termWidth)}`;
  }
  return `${head.padEnd(termWidth)}${wrap(description, termWidth)}`;
}

export function helpText(version: string): string {
  const options = [
    ...VALUE_OPTIONS.map((o) =>
      item(
        `${o.flag} ${o.metavar}`,
        o.shownDefault === undefined
          ? o.description
          : `${o.description} (default: ${o.shownDefault})`,
      ),
    ),
    ...FLAG_OPTIONS.map((o) => item(o.flags, o.description)),
  ];
  const exitCodes = (Object.keys(EXIT) as (keyof typeof EXIT)[]).map((k) =>
    item(String(EXIT[k]), EXIT_DESCRIPTIONS[k], 8),
  );
  return [
    wrap(
      `conntest ${version}: tests TCP and UDP connections between instances of itself, reconnecting by itself, and measures bandwidth, round-trip time, packet loss and jitter.`,
      0,
    ),
    "",
    "Usage: conntest --name NAME [--listen SPEC]... [--connect URI]... [OPTIONS]",
    "At least one --listen or --connect is needed.",
    "",
    "Options:",
    ...options,
    "",
    "SECONDS may be fractional and may end in s or ms: 5, 0.5, 500ms.",
    "",
    "Options of a --connect URI, after ? and separated by &:",
    ...URI_OPTIONS.map((o) => item(o.usage, o.description)),
    "",
    "Examples:",
    ...EXAMPLES.flatMap(([what, command]) => [`  ${what}`, `    ${command}`]),
    "",
    "Exit codes:",
    ...exitCodes,
    "",
  ].join("\n");
}

function usageError(message: string): ParseResult {
  return { kind: "error", message: `conntest: ${message}`, exitCode: EXIT.usage };
}

function unknownArgument(arg: string): string {
  if (!arg.startsWith("-") || arg === "-") {
    return `unexpected argument ${quote(arg)}: every value follows its option, as in --listen tcp:1234; see conntest --help`;
  }
  const flag = arg.startsWith("--") ? (arg.split("=")[0] ?? arg) : arg;
  const known = [...VALUE_OPTIONS.map((o) => o.flag), "--help", "--version", "--clock-sync"];
  const near = known.find((k) => editDistance(flag, k) <= 2);
  const hint = near === undefined ? "" : ` (did you mean ${near}?)`;
  return `unknown argument ${quote(flag)}${hint}; see conntest --help`;
}

function buildProgram(): Command {
  const program = new Command("conntest")
    .helpOption(false)
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} })
    // Left-over arguments are reported by unknownArgument, in our words.
    .allowUnknownOption()
    .allowExcessArguments();
  // Every value option collects a list, so a single-valued one given twice can be reported.
  const collect = (value: string, previous: string[]): string[] => [...previous, value];
  for (const o of VALUE_OPTIONS) {
    program.option(`${o.flag} <${o.metavar}>`, o.description, collect, []);
  }
  for (const o of FLAG_OPTIONS) program.option(o.flags, o.description);
  return program;
}

/** Parses `argv` (the arguments after the program name). Never prints, never exits. */
export function parseAgentArgs(argv: string[], env: ArgsEnv): ParseResult {
  const program = buildProgram();
  try {
    program.parse(argv, { from: "user" });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    if (argv.includes("--help") || argv.includes("-h")) {
      return { kind: "help", text: helpText(env.version) };
    }
    // With unknown and excess arguments allowed, the only error left is a missing value.
    const option = VALUE_OPTIONS.find((o) => err.message.includes(`'${o.flag} `));
    if (option === undefined) return usageError(err.message.replace(/^error: /, ""));
    return usageError(
      `${option.flag} needs a value, e.g. ${option.flag} ${option.example}; see conntest --help`,
    );
  }
  const opts = program.opts<Record<string, unknown>>();
  if (opts.help === true) return { kind: "help", text: helpText(env.version) };
  if (opts.version === true) return { kind: "version", text: `conntest ${env.version}` };
  const extra = program.args[0];
  if (extra !== undefined) return usageError(unknownArgument(extra));
  try {
    return { kind: "run", config: buildConfig(opts, env) };
  } catch (err) {
    if (err instanceof UsageError) return usageError(err.message);
    throw err;
  }
}

function optionByKey(key: string): ValueOption {
  const option = VALUE_OPTIONS.find((o) => o.key === key);
  if (option === undefined) throw new Error(`no option ${key}`);
  return option;
}

function buildConfig(opts: Record<string, unknown>, env: ArgsEnv): AgentConfig {
  const all = (key: string): string[] => (opts[key] as string[] | undefined) ?? [];
  const once = (key: string): string | undefined => {
    const values = all(key);
    if (values.length > 1) {
      const { flag } = optionByKey(key);
      throw new UsageError(flag, `${flag} is given ${values.length} times; give it once`);
    }
    return values[0];
  };
  const secondsOption = (key: string, fallbackMs: number): number => {
    const text = once(key);
    const option = optionByKey(key);
    return text === undefined ? fallbackMs : parseSeconds(text, option.flag, option.example);
  };

  const name = once("name");
  if (name === undefined) {
    throw new UsageError("--name", "--name is required, e.g. --name receiver; see conntest --help");
  }
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) {
    throw new UsageError(
      "--name",
      `--name ${quote(name)}: expected 1 to 64 letters, digits, ".", "_" or "-", e.g. --name receiver`,
    );
  }

  const listen = all("listen").map(parseListen);
  const connect = all("connect").map(parseConnect);
  if (listen.length === 0 && connect.length === 0) {
    throw new UsageError(
      "--listen",
      "nothing to do: give at least one --listen or --connect, e.g. --listen tcp:1234; see conntest --help",
    );
  }
  checkListenClashes(listen);

  const timeoutMs = secondsOption("timeout", DEFAULTS.timeoutMs);
  const pingIntervalMs = secondsOption("pingInterval", DEFAULTS.pingIntervalMs);
  if (timeoutMs <= pingIntervalMs) {
    const why = "or every connection would time out between two pings";
    const timeoutText = once("timeout");
    if (timeoutText !== undefined) {
      throw new UsageError(
        "--timeout",
        `--timeout ${quote(timeoutText)}: expected longer than --ping-interval (${pingIntervalMs / 1000} s), ${why}`,
      );
    }
    throw new UsageError(
      "--ping-interval",
      `--ping-interval ${quote(once("pingInterval") ?? "")}: expected shorter than --timeout (${timeoutMs / 1000} s by default), ${why}`,
    );
  }

  const uiText = once("ui");
  let ui: UiMode = env.isTTY ? "tui" : "log";
  if (uiText !== undefined) {
    const lower = uiText.toLowerCase();
    if (lower === "tui" || lower === "notty") ui = "tui";
    else if (lower === "log") ui = "log";
    else {
      throw new UsageError(
        "--ui",
        `--ui ${quote(uiText)}: expected tui, log or notty (the original's name for tui), e.g. --ui log`,
      );
    }
  }

  const config: AgentConfig = {
    name,
    listen,
    connect,
    timeoutMs,
    ui,
    pingIntervalMs,
    roundMs: secondsOption("round", DEFAULTS.roundMs),
    roundPauseMs: secondsOption("roundPause", DEFAULTS.roundPauseMs),
    reconnectMaxMs: secondsOption("reconnectMax", DEFAULTS.reconnectMaxMs),
    statsIntervalMs: secondsOption("statsInterval", DEFAULTS.statsIntervalMs),
    clockSync: opts.clockSync === true,
  };

  const metricsText = once("metricsPort");
  if (metricsText !== undefined) {
    const port = Number(metricsText);
    if (!/^\d+$/.test(metricsText) || port < 1 || port > 65535) {
      throw new UsageError(
        "--metrics-port",
        `--metrics-port ${quote(metricsText)}: expected a port number 1 to 65535, e.g. --metrics-port 9100`,
      );
    }
    const clash = listen.find((l) => l.proto === "tcp" && l.port === port);
    if (clash !== undefined) {
      throw new UsageError(
        "--metrics-port",
        `--metrics-port ${port}: already used by --listen ${listenText(clash)}; pick another port`,
      );
    }
    config.metricsPort = port;
  }
  return config;
}

function listenText(l: ListenSpec): string {
  if (l.host === undefined) return `${l.proto}:${l.port}`;
  return l.host.includes(":")
    ? `${l.proto}:[${l.host}]:${l.port}`
    : `${l.proto}:${l.host}:${l.port}`;
}

/** Two listeners on one port fail at bind time (EADDRINUSE) unless both name distinct addresses. */
function checkListenClashes(listen: ListenSpec[]): void {
  listen.forEach((a, i) => {
    const b = listen
      .slice(0, i)
      .find(
        (b) =>
          b.proto === a.proto &&
          b.port === a.port &&
          (a.host === undefined || b.host === undefined || a.host === b.host),
      );
    if (b !== undefined) {
      throw new UsageError(
        "--listen",
        `--listen ${listenText(a)}: clashes with --listen ${listenText(b)}, the same ${a.proto.toUpperCase()} port`,
      );
    }
  });
}
