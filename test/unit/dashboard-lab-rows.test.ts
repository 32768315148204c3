import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  LAB_COLUMNS,
  type LabRow,
  labRows,
  naturalOrder,
  rowCells,
  sortRows,
  totals,
} from "../../src/dashboard/lab-rows.js";
import type { AgentLine } from "../../src/stats/agent-line.js";
import { event, stats } from "../helpers/agent-lines.js";

const udpSummary = {
  expected: 1786,
  received: 1750,
  lost: 36,
  out_of_order: 18,
  loss_pct: 2.015677,
};

function lab(): Map<string, AgentLine[]> {
  return new Map<string, AgentLine[]>([
    [
      "sender",
      [
        stats({ uptime_s: 1 }),
        event({ event: "connected", conn_id: "c1", side: "client" }),
        stats({}),
        stats({
          conn_id: "c2",
          proto: "udp",
          state: "reconnecting",
          peer_name: null,
          target: "udp://10.0.0.3:16003",
          tx: { bps: 3_659_078 },
          rx: { bps: 3_603_568 },
          rtt: null,
          udp: udpSummary,
          reconnects: 2,
          down_s: 75,
          uptime_s: 0,
        }),
      ],
    ],
    [
      "receiver",
      [
        stats({
          side: "server",
          peer_name: "sender",
          target: null,
          tx: { bps: 600 },
          rx: { bps: 12_000_000_000 },
        }),
      ],
    ],
  ]);
}

describe("labRows", () => {
  it("takes the latest stats line per node, connection and side", () => {
    const rows = labRows(lab());
    assert.deepEqual(
      rows.map((r) => r.key),
      ["sender/c1/client", "sender/c2/client", "receiver/c1/server"],
    );
    const [c1, c2, server] = rows as [LabRow, LabRow, LabRow];
    assert.deepEqual(c1, {
      key: "sender/c1/client",
      node: "sender",
      conn_id: "c1",
      from: "sender",
      to: "receiver",
      target: "tcp://receiver:16001",
      address: "10.0.0.2:16001",
      proto: "tcp",
      stream: null,
      side: "client",
      state: "connected",
      uptime_s: 6.989956,
      rtt_p50_ms: 0.798,
      rtt_p99_ms: 1.548,
      owd_up_p50_ms: null,
      owd_down_p50_ms: null,
      up_bps: 12_248_027_017,
      down_bps: 632,
      udp_loss_pct: null,
      udp_out_of_order: null,
      tcp_retransmits: null,
      tcp_srtt_ms: null,
      reconnects: 0,
      down_s: 0.011392,
    });
    // no peer name yet: the target stands for it; no rtt: null
    assert.equal(c2.to, "10.0.0.3:16003");
    assert.equal(c2.rtt_p50_ms, null);
    assert.equal(c2.rtt_p99_ms, null);
    assert.equal(c2.udp_loss_pct, 2.015677);
    assert.equal(c2.udp_out_of_order, 18);
    // server: peer → node; up is what it received
    assert.equal(server.from, "sender");
    assert.equal(server.to, "receiver");
    assert.equal(server.up_bps, 12_000_000_000);
    assert.equal(server.down_bps, 600);
  });

  it("shows only the node's current run: a started line forgets the old process's rows", () => {
    const started = event({ event: "started", local_name: "r" });
    const rows = labRows(
      new Map([
        [
          "r",
          [
            stats({ conn_id: "old-1" }),
            stats({ conn_id: "old-2", side: "server" }),
            started,
            stats({ conn_id: "new-1" }),
          ],
        ],
      ]),
    );
    assert.deepEqual(
      rows.map((r) => r.conn_id),
      ["new-1"],
    );
  });

  it("drops a server's rows of connections whose client agent restarted since", () => {
    const started = event({ event: "started", local_name: "c" });
    const rows = labRows(
      new Map([
        ["c", [stats({ conn_id: "old" }), started, stats({ conn_id: "new" })]],
        [
          "s",
          [
            stats({ conn_id: "old", side: "server", state: "disconnected" }),
            stats({ conn_id: "new", side: "server" }),
          ],
        ],
      ]),
    );
    assert.deepEqual(
      rows.map((r) => `${r.node} ${r.conn_id} ${r.side}`),
      ["c new client", "s new server"],
    );
  });

  it("a server row without a peer name shows the peer's address", () => {
    const rows = labRows(
      new Map([["r", [stats({ side: "server", peer_name: null, target: null })]]]),
    );
    assert.equal(rows[0]?.from, "10.0.0.2:16001");
    assert.equal(rows[0]?.to, "r");
  });

  it("no stats lines: no rows", () => {
    assert.deepEqual(labRows(new Map([["a", [event({ event: "started" })]]])), []);
  });
});

describe("naturalOrder", () => {
  it("puts tx-2 before tx-10, and tells apart two connections by the address reached", () => {
    const line = (conn: string, side: string, address: string, peer: string) =>
      stats({ conn_id: conn, side, peer_name: peer, peer_address: address });
    const rows = naturalOrder(
      labRows(
        new Map([
          ["tx-10", [line("a", "client", "10.0.0.1:2000", "rx")]],
          [
            "tx-2",
            [
              line("b", "client", "10.0.0.1:10000", "rx"),
              line("c", "client", "10.0.0.1:9000", "rx"),
            ],
          ],
          [
            "rx",
            [
              line("c", "server", "10.0.0.2:50000", "tx-2"),
              line("b", "server", "10.0.0.2:40000", "tx-2"),
            ],
          ],
        ]),
      ),
    );
    assert.deepEqual(
      rows.map((r) => `${r.from} ${r.side} ${r.address}`),
      [
        "tx-2 client 10.0.0.1:9000",
        "tx-2 server 10.0.0.2:50000",
        "tx-2 client 10.0.0.1:10000",
        "tx-2 server 10.0.0.2:40000",
        "tx-10 client 10.0.0.1:2000",
      ],
    );
  });

  it("orders by from, to, protocol and side", () => {
    const rows = naturalOrder(labRows(lab()));
    assert.deepEqual(
      rows.map((r) => `${r.from}>${r.to} ${r.proto} ${r.side}`),
      // an unnamed peer shows as its address, which sorts before names
      [
        "sender>10.0.0.3:16003 udp client",
        "sender>receiver tcp client",
        "sender>receiver tcp server",
      ],
    );
  });
});

describe("sortRows", () => {
  const rows = labRows(lab());

  it("sorts numbers ascending and descending, without changing the input", () => {
    const keys = (rs: LabRow[]) => rs.map((r) => r.key);
    assert.deepEqual(keys(sortRows(rows, "up_bps")), [
      "sender/c2/client",
      "receiver/c1/server",
      "sender/c1/client",
    ]);
    assert.deepEqual(keys(sortRows(rows, "up_bps", true)), [
      "sender/c1/client",
      "receiver/c1/server",
      "sender/c2/client",
    ]);
    assert.equal(rows[0]?.key, "sender/c1/client");
  });

  it("is stable both ways", () => {
    // proto: c1 client and c1 server are both tcp and keep their order
    const keys = (rs: LabRow[]) => rs.map((r) => r.key);
    assert.deepEqual(keys(sortRows(rows, "proto")), [
      "sender/c1/client",
      "receiver/c1/server",
      "sender/c2/client",
    ]);
    assert.deepEqual(keys(sortRows(rows, "proto", true)), [
      "sender/c2/client",
      "sender/c1/client",
      "receiver/c1/server",
    ]);
  });

  it("puts nulls last either way", () => {
    const keys = (rs: LabRow[]) => rs.map((r) => r.key);
    assert.deepEqual(keys(sortRows(rows, "rtt_p50_ms", true)), [
      "sender/c1/client",
      "receiver/c1/server",
      "sender/c2/client",
    ]);
    assert.deepEqual(keys(sortRows(rows, "rtt_p50_ms")), [
      "sender/c1/client",
      "receiver/c1/server",
      "sender/c2/client",
    ]);
  });
});

describe("totals", () => {
  it("counts connections once and sums client rows only", () => {
    assert.deepEqual(totals(labRows(lab())), {
      connections_up: 1,
      connections_down: 1,
      // 12 248 027 017 + 3 659 078; down 632 + 3 603 568
      up_bps: 12_251_686_095,
      down_bps: 3_604_200,
    });
  });

  it("a connection with one side down counts as down", () => {
    const rows = labRows(
      new Map([
        ["a", [stats({})]],
        ["b", [stats({ side: "server", state: "disconnected" })]],
      ]),
    );
    const t = totals(rows);
    assert.equal(t.connections_up, 0);
    assert.equal(t.connections_down, 1);
  });

  it("no rows: zeros", () => {
    assert.deepEqual(totals([]), {
      connections_up: 0,
      connections_down: 0,
      up_bps: 0,
      down_bps: 0,
    });
  });
});

describe("rowCells", () => {
  it("formats with units, one cell per column", () => {
    const [c1, c2] = labRows(lab()) as [LabRow, LabRow];
    assert.deepEqual(rowCells(c1), [
      "sender",
      "receiver",
      "10.0.0.2:16001",
      "tcp",
      "client",
      "connected",
      "12.2 Gbit/s",
      "632 bit/s",
      "0.798 ms",
      "1.55 ms",
      "-",
      "-",
      "0",
      "7.0s",
      "0.0s",
      "-",
      "-",
      "-",
    ]);
    assert.equal(
      rowCells({ ...c1, tcp_retransmits: 7 })[
        LAB_COLUMNS.findIndex((c) => c.column === "tcp_retransmits")
      ],
      "7",
    );
    const c2Cells = rowCells(c2);
    assert.deepEqual(c2Cells.slice(0, 2), ["sender", "10.0.0.3:16003"]);
    assert.deepEqual(c2Cells.slice(3), [
      "udp",
      "client",
      "reconnecting",
      "3.66 Mbit/s",
      "3.60 Mbit/s",
      "-",
      "-",
      "2.02%",
      "18",
      "2",
      "0.0s",
      "1m15s",
      "-",
      "-",
      "-",
    ]);
    assert.equal(rowCells(c1).length, LAB_COLUMNS.length);
  });
});

describe("streams=N", () => {
  const stream = (index: number, fields: Record<string, unknown> = {}) =>
    stats({
      conn_id: `s${index}`,
      target: "tcp://receiver:16001?monitor-bandwidth&streams=3",
      stream: { group: "g1", index, of: 3 },
      tx: { bps: 100 * index },
      rx: { bps: 10 * index },
      tcp: {
        retransmits: index,
        retransmitted_bytes: 0,
        cwnd_segments: 10,
        cwnd_bytes: 14_480,
        mss_bytes: 1448,
        srtt_ms: 1,
        rttvar_ms: 0.5,
        min_rtt_ms: 0.1,
        delivery_rate_bps: 1,
        unavailable: null,
      },
      ...fields,
    });

  it("each stream is a row, and a sum row adds up their rates and says how many are up", () => {
    const rows = naturalOrder(
      labRows(
        new Map<string, AgentLine[]>([
          ["sender", [stream(3, { state: "reconnecting" }), stream(1), stream(2), stats({})]],
        ]),
      ),
    );
    assert.deepEqual(
      rows.map((r) => [r.key, r.side, r.stream, r.state]),
      [
        ["sender/c1/client", "client", null, "connected"],
        ["sender/s1/client", "client", "1/3", "connected"],
        ["sender/s2/client", "client", "2/3", "connected"],
        ["sender/s3/client", "client", "3/3", "reconnecting"],
        ["sender/g1/sum", "sum", "Σ3", "2/3 up"],
      ],
    );
    const sum = rows.at(-1) as LabRow;
    assert.equal(sum.up_bps, 600);
    assert.equal(sum.down_bps, 60);
    assert.equal(sum.tcp_retransmits, 6);
    assert.equal(rowCells(sum)[3], "tcp Σ3");
    assert.equal(rowCells(rows[1] as LabRow)[3], "tcp 1/3");
  });

  it("totals count the streams, not their sum row again", () => {
    const t = totals(labRows(new Map<string, AgentLine[]>([["sender", [stream(1), stream(2)]]])));
    assert.equal(t.connections_up, 2);
    assert.equal(t.up_bps, 300);
  });
});
