import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  COLUMNS,
  columnWidths,
  connectionRow,
  connectionSections,
  formatRow,
  NONE,
  peerLabel,
  summaryLine,
  tableLayout,
  tableLines,
} from "../../src/output/connection-rows.js";
import { clipLine } from "../../src/output/table-text.js";
import type { ConnectionSnapshot } from "../../src/stats/snapshot.js";
import { roundResult } from "../helpers/round-result.js";

function snap(over: Partial<ConnectionSnapshot>): ConnectionSnapshot {
  return {
    conn_id: "c1",
    side: "client",
    proto: "tcp",
    local_name: "a",
    peer_name: null,
    peer_address: null,
    target: null,
    stream: null,
    state: "connecting",
    uptime_s: 0,
    reconnects: 0,
    down_s: 0,
    tx: { packets: 0, bytes: 0, bps: 0 },
    rx: { packets: 0, bytes: 0, bps: 0 },
    rtt: null,
    owd: null,
    owd_unavailable: null,
    round_active: null,
    up: null,
    down: null,
    udp: null,
    tcp: null,
    ...over,
  };
}

const full = snap({
  conn_id: "c9",
  side: "client",
  proto: "udp",
  peer_name: "b",
  peer_address: "10.0.0.2:1234",
  target: "udp://b:1234?monitor-bandwidth",
  state: "connected",
  uptime_s: 66,
  reconnects: 2,
  down_s: 3.2,
  tx: { packets: 267, bytes: 34_200, bps: 12_300_000 },
  rx: { packets: 134, bytes: 512, bps: 941_000_000 },
  rtt: {
    samples: 10,
    last_ms: 0.4,
    min_ms: 0.3,
    mean_ms: 0.4,
    p50_ms: 0.377,
    p99_ms: 1.2,
    max_ms: 1.5,
    jitter_ms: 0.05,
    raw_mean_ms: 0,
    raw_p50_ms: 0,
    raw_p99_ms: 0,
    peer_hold_mean_ms: 0,
    peer_hold_max_ms: 0,
    interval_ms: [],
  },
  up: roundResult({ bps: 10_000_000 }),
  down: roundResult({ direction: "down", bps: 9_500_000 }),
  udp: {
    expected: 1000,
    received: 990,
    lost: 12,
    out_of_order: 3,
    duplicates: 1,
    loss_pct: 1.2,
    jitter_ms: 0.25,
  },
});

describe("connectionRow", () => {
  it("has one cell per column, all formatted", () => {
    assert.deepEqual(connectionRow(full), [
      "to: b",
      "10.0.0.2:1234",
      "UDP",
      "connected",
      "1m06s",
      "2",
      "3.2s",
      "267/34.2 kB",
      "134/512 B",
      "12.3 Mbit/s",
      "941 Mbit/s",
      "0.377 ms/1.20 ms",
      "-",
      "10.0 Mbit/s",
      "9.50 Mbit/s",
      "12/3/1",
      "0.250 ms",
      "-",
    ]);
    assert.equal(connectionRow(full).length, COLUMNS.length);
  });

  it("shows missing values as -", () => {
    const row = connectionRow(snap({ target: "tcp://b:1234?monitor-bandwidth" }));
    assert.equal(row[0], "to: b:1234");
    assert.equal(row[1], NONE); // address
    assert.equal(row[4], NONE); // uptime while not connected
    assert.equal(row[11], NONE); // rtt
    assert.equal(row[12], NONE); // owd
    assert.equal(row[13], NONE); // round up
    assert.equal(row[14], NONE); // round down
    assert.equal(row[15], NONE); // udp
    assert.equal(row[16], NONE); // jitter
    assert.equal(row[17], NONE); // tcp kernel view
    assert.equal(row[7], "0/0 B");
    assert.equal(row[9], "0 bit/s");
  });

  it("shows a TCP connection's retransmits and congestion window from the kernel", () => {
    const tcp = {
      retransmits: 4,
      retransmitted_bytes: 5792,
      cwnd_segments: 10,
      cwnd_bytes: 14_480,
      mss_bytes: 1448,
      srtt_ms: 1,
      rttvar_ms: 0.5,
      min_rtt_ms: 0.2,
      delivery_rate_bps: 1e6,
      unavailable: null,
    };
    assert.equal(connectionRow(snap({ tcp }))[17], "4/14.5 kB");
    const none = { ...tcp, retransmits: null, cwnd_bytes: null, unavailable: "no addon" };
    assert.equal(connectionRow(snap({ tcp: none }))[17], NONE);
  });

  it("shows - for an RTT summary without samples", () => {
    const row = connectionRow(snap({ rtt: { ...(full.rtt ?? assert.fail()), samples: 0 } }));
    assert.equal(row[11], NONE);
  });

  it("labels peers by side", () => {
    assert.equal(peerLabel(snap({ side: "server", peer_name: "x" })), "from: x");
    assert.equal(peerLabel(snap({ side: "server", peer_name: null })), "from: ?");
    assert.equal(peerLabel(snap({ side: "client", peer_name: "y", target: "tcp://z:1" })), "to: y");
  });
});

describe("connectionSections", () => {
  it("splits by side and sorts by peer, proto, address, id", () => {
    const sections = connectionSections([
      snap({ conn_id: "s1", side: "server", peer_name: "c" }),
      snap({ conn_id: "k3", side: "client", peer_name: "b", proto: "udp" }),
      snap({ conn_id: "k2", side: "client", peer_name: "b", proto: "tcp" }),
      snap({ conn_id: "k1", side: "client", peer_name: "a" }),
      snap({ conn_id: "s0", side: "server", peer_name: "a" }),
    ]);
    assert.deepEqual(
      sections.client.map((r) => `${r[0]} ${r[2]}`),
      ["to: a TCP", "to: b TCP", "to: b UDP"],
    );
    assert.deepEqual(
      sections.server.map((r) => r[0]),
      ["from: a", "from: c"],
    );
  });

  it("orders peers and addresses naturally: tx-2 before tx-10, .9 before .10", () => {
    const sections = connectionSections([
      snap({ conn_id: "a", side: "server", peer_name: "tx-10" }),
      snap({ conn_id: "b", side: "server", peer_name: "tx-2" }),
      snap({ conn_id: "c", side: "server", peer_name: "tx-1" }),
      snap({ conn_id: "d", side: "server", peer_name: "rx", peer_address: "10.0.0.10:5000" }),
      snap({ conn_id: "e", side: "server", peer_name: "rx", peer_address: "10.0.0.9:5000" }),
    ]);
    assert.deepEqual(
      sections.server.map((r) => r[0]),
      ["from: rx", "from: rx", "from: tx-1", "from: tx-2", "from: tx-10"],
    );
    assert.deepEqual(
      sections.server.slice(0, 2).map((r) => r[1]),
      ["10.0.0.9:5000", "10.0.0.10:5000"],
    );
  });

  it("is empty for no connections", () => {
    assert.deepEqual(connectionSections([]), { client: [], server: [] });
  });
});

describe("formatRow", () => {
  it("pads text left-aligned and numbers right-aligned", () => {
    const cells = COLUMNS.map((_, i) => (i === 0 ? "to: b" : i === 5 ? "2" : ""));
    const widths = columnWidths([cells]);
    const line = formatRow(cells, widths);
    assert.ok(line.startsWith("to: b  "));
    // "reconn" is 6 wide and right-aligned: the 2 ends where the title ends.
    const header = formatRow(
      COLUMNS.map((c) => c.title),
      widths,
    );
    assert.equal(line.indexOf("2") + 1, header.indexOf("reconn") + "reconn".length);
  });
});

describe("tableLines", () => {
  it("has both sections, each with a title and column header, and aligned columns", () => {
    const lines = tableLines([
      full,
      snap({ conn_id: "s1", side: "server", peer_name: "c", state: "disconnected" }),
    ]);
    assert.deepEqual(
      lines.map((l) => l.kind),
      ["section", "header", "row", "blank", "section", "header", "row"],
    );
    assert.match(lines[0]?.text ?? "", /^── As client \(1\) ─+$/);
    assert.match(lines[4]?.text ?? "", /^── As server \(1\) ─+$/);
    assert.equal(lines[6]?.state, "disconnected");
    const header = lines[1]?.text ?? "";
    const row = lines[2]?.text ?? "";
    const server = lines[6]?.text ?? "";
    assert.equal(row.indexOf("UDP"), header.indexOf("proto"));
    assert.equal(server.indexOf("TCP"), header.indexOf("proto"));
  });

  it("says (none) for an empty section", () => {
    const lines = tableLines([]);
    assert.deepEqual(
      lines.map((l) => [l.kind, l.kind === "empty" ? l.text : ""]),
      [
        ["section", ""],
        ["header", ""],
        ["empty", "(none)"],
        ["blank", ""],
        ["section", ""],
        ["header", ""],
        ["empty", "(none)"],
      ],
    );
  });
});

describe("summaryLine", () => {
  it("counts connected over total, per side", () => {
    const line = summaryLine("a", [
      full,
      snap({ conn_id: "k2" }),
      snap({ conn_id: "s1", side: "server", state: "connected" }),
    ]);
    assert.equal(line, "conntest a   connected 2/3 (client 1/2, server 1/1)");
  });
});

describe("clipLine", () => {
  it("shows the window at the offset", () => {
    assert.equal(clipLine("abcdef", 2, 3), "cde");
    assert.equal(clipLine("abc", 5, 3), "");
    assert.equal(clipLine("abc", 0, -1), "");
  });

  it("keeps the frozen columns when scrolled", () => {
    assert.equal(clipLine("pp  abcdef", 0, 6, 4), "pp  ab");
    assert.equal(clipLine("pp  abcdef", 2, 6, 4), "pp  cd");
    assert.equal(clipLine("pp  abcdef", 2, 3, 4), "pp ");
  });

  it("freezes the peer column of the table and scrolls by columns", () => {
    const { lines, frozen, stops, width } = tableLayout([full]);
    const header = lines[1]?.text ?? "";
    assert.equal(frozen, header.indexOf("address"));
    assert.equal(stops.length, COLUMNS.length - 1);
    assert.equal(stops[0], 0);
    assert.equal(frozen + (stops[1] ?? 0), header.indexOf("proto"));
    assert.equal(
      clipLine(header, stops[1] ?? 0, frozen + 5, frozen),
      `${"peer".padEnd(frozen)}proto`,
    );
    assert.equal(width, lines[0]?.text.length);
  });
});

describe("streams=N in the agent's table", () => {
  const stream = (index: number, over: Partial<ConnectionSnapshot> = {}) =>
    snap({
      conn_id: `z${4 - index}`, // ids in the other order than the streams
      peer_name: "b",
      proto: "udp",
      state: "connected",
      stream: { group: "g", index, of: 3 },
      up: roundResult({ round: 7, bps: 10_000_000 * index, lost: index, sent_packets: 100 }),
      ...over,
    });

  it("lists the streams in order, then a row with their last round each way summed", () => {
    const lines = tableLines([
      stream(2),
      stream(3, { up: roundResult({ round: 5, bps: 99_000_000 }), state: "reconnecting" }),
      stream(1),
    ]).filter((l) => l.kind === "row");
    assert.deepEqual(
      lines.map((l) => l.text.split(/\s{2,}/)[0]),
      ["to: b #1/3", "to: b #2/3", "to: b #3/3", "to: b Σ3"],
    );
    const sum = lines.at(-1)?.text ?? "";
    // round 7 ran on streams 1 and 2 (stream 3 was down): 10 + 20 Mbit/s
    assert.match(sum, /UDP\s+2\/3 up/);
    assert.match(sum, /30\.0 Mbit\/s \(2\/3\)/);
    assert.match(sum, /Mbit\/s \(2\/3\)\s+-\s+3\s/, "lost in the summed round: 1 + 2");
  });
});
