/** The dashboard's keys: which it answers to, and the help that explains each. */

/** Every key the dashboard answers to (blessed's names); each has a handler and a help line. */
export const BOUND_KEYS = [
  "up",
  "down",
  "pageup",
  "pagedown",
  "home",
  "end",
  "left",
  "right",
  "tab",
  "S-tab",
  "o",
  "S-o",
  "t",
  "f",
  "k",
  "s",
  "r",
  "p",
  "d",
  "i",
  "c",
  "?",
  "q",
  "C-c",
] as const;
export type BoundKey = (typeof BOUND_KEYS)[number];

/** The help screen: which keys each line explains, and the line. */
export const HELP: readonly { keys: readonly BoundKey[]; text: string }[] = [
  {
    keys: ["up", "down", "pageup", "pagedown", "home", "end"],
    text: "↑ ↓ PgUp PgDn Home End  move the selection; in Events scroll (End: follow)",
  },
  {
    keys: ["tab", "S-tab"],
    text: "Tab / S-Tab   next / previous panel: connections, nodes, events",
  },
  {
    keys: ["left", "right"],
    text: "← →           more columns of the table, when it is wider than the screen",
  },
  { keys: ["o", "S-o"], text: "o / O         sort by the next column / reverse the order" },
  { keys: ["t"], text: "t             charts: the selected connection, or the 4 busiest" },
  {
    keys: ["f"],
    text: "f             events: all, of the selected node, errors and state changes",
  },
  { keys: [], text: "On the selected node (a connection selects the node that reports it):" },
  { keys: ["k"], text: "k             kill" },
  { keys: ["s"], text: "s             stop, or start when it is not running" },
  { keys: ["r"], text: "r             restart" },
  { keys: ["p"], text: "p             pause, or unpause when paused" },
  { keys: ["d"], text: "d             disconnect from a network, or connect it again" },
  {
    keys: ["i"],
    text: "i             impair an interface, e.g. 20mbit 2% (rate, loss), or clear",
  },
  { keys: [], text: "Other:" },
  {
    keys: ["c"],
    text: "c             reset counters (reconnects, time down, UDP loss, charts)",
  },
  { keys: ["?"], text: "?             this help (Esc closes)" },
  { keys: ["q"], text: "q             quit: keep the lab running or tear it down" },
  {
    keys: ["C-c"],
    text: "Ctrl-C        quit at once: `up` tears the lab down, `attach` keeps it",
  },
];

export const HELP_TEXT = ["Keys", ...HELP.map((h) => `  ${h.text}`)].join("\n");

/** The header's reminder of the keys, for wide and for narrow terminals. */
export const KEY_LINE =
  "? help  q quit  Tab panel  ←→ columns  f events  k kill  s stop/start  r restart  p pause  d network  i impair  c reset  o sort  t charts";
export const NARROW_KEY_LINE = "? help  q quit  Tab panel  ←→ columns  f events  k s r p d i: node";
