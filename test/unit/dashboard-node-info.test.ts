import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { networksText, stateText } from "../../src/dashboard/node-info.js";
import { nodeLines } from "../../src/dashboard/screen/nodes-panel.js";
import { LABEL } from "../../src/runtimes/docker/labels.js";
import { nodeInfoOf } from "../../src/runtimes/docker/node-info-of.js";

const entry = (fields: Record<string, unknown> = {}) => ({
  Id: "abc",
  State: "running",
  Status: "Up 3 seconds",
  Created: 1_700_000_000,
  Labels: {
    [LABEL.node]: "gw",
    [LABEL.role]: "router",
    [LABEL.addresses]: "lan=10.202.1.1,wan=10.202.0.1",
  },
  NetworkSettings: {
    Networks: {
      "nat-wan": { IPAddress: "10.202.0.1" },
      "nat-lan": { IPAddress: "10.202.1.1" },
      bridge: { IPAddress: "172.17.0.2" },
    },
  },
  ...fields,
});

describe("node info", () => {
  it("reads name, role, the lab's networks and the planned addresses", () => {
    const n = nodeInfoOf(entry(), "nat");
    assert.deepEqual(n, {
      name: "gw",
      role: "router",
      state: "running",
      exitCode: null,
      networks: [
        { network: "lan", address: "10.202.1.1" },
        { network: "wan", address: "10.202.0.1" },
      ],
      planned: [
        { network: "lan", address: "10.202.1.1" },
        { network: "wan", address: "10.202.0.1" },
      ],
      created: 1_700_000_000,
    });
    assert.equal(nodeInfoOf(entry({ Labels: {} }), "nat"), null);
  });

  it("names a SIGKILL killed, other exits by code", () => {
    const killed = nodeInfoOf(
      entry({ State: "exited", Status: "Exited (137) 2 seconds ago" }),
      "nat",
    );
    assert.ok(killed);
    assert.equal(stateText(killed), "killed");
    const stopped = nodeInfoOf(
      entry({ State: "exited", Status: "Exited (0) 1 second ago" }),
      "nat",
    );
    assert.ok(stopped);
    assert.equal(stateText(stopped), "exited (0)");
    assert.equal(stateText({ state: "paused", exitCode: null }), "paused");
  });

  it("shows a planned network it was disconnected from as -", () => {
    const n = nodeInfoOf(
      entry({ NetworkSettings: { Networks: { "nat-wan": { IPAddress: "10.202.0.1" } } } }),
      "nat",
    );
    assert.ok(n);
    assert.equal(networksText(n), "lan -, wan 10.202.0.1");
  });

  it("orders networks naturally: lan2 before lan10", () => {
    const n = nodeInfoOf(
      entry({
        Labels: { [LABEL.node]: "gw", [LABEL.role]: "router", [LABEL.addresses]: "lan9=10.9.0.1" },
        NetworkSettings: {
          Networks: {
            "nat-lan10": { IPAddress: "10.10.0.1" },
            "nat-lan2": { IPAddress: "10.2.0.1" },
            "nat-Lan3": { IPAddress: "10.3.0.1" },
          },
        },
      }),
      "nat",
    );
    assert.ok(n);
    assert.deepEqual(
      n.networks.map((x) => x.network),
      ["lan2", "Lan3", "lan10"],
    );
    assert.equal(networksText(n), "lan2 10.2.0.1, Lan3 10.3.0.1, lan9 -, lan10 10.10.0.1");
  });

  it("shows a dual-stack network's IPv6 address after its IPv4 one", () => {
    const n = {
      networks: [{ network: "net", address: "10.201.0.10", address6: "fd77:201::a" }],
      planned: [{ network: "net", address: "10.201.0.10" }],
    };
    assert.equal(networksText(n), "net 10.201.0.10 fd77:201::a");
  });

  it("shows each node's host in a column after its state, and no column in a lab on one engine", () => {
    const node = (name: string, host?: string) => ({
      name,
      role: "node" as const,
      state: "running",
      exitCode: null,
      networks: [{ network: "wan", address: "10.230.0.10" }],
      planned: [{ network: "wan", address: "10.230.0.10" }],
      created: 1,
      ...(host === undefined ? {} : { host }),
    });
    const strip = (line: string) => line.replace(/\{[^}]*\}/g, "");
    assert.deepEqual(nodeLines([node("server", "h3"), node("client1", "host-10")]).map(strip), [
      "server  running   h3      wan 10.230.0.10",
      "client1 running   host-10 wan 10.230.0.10",
    ]);
    assert.deepEqual(nodeLines([node("server")]).map(strip), ["server running   wan 10.230.0.10"]);
  });
});
