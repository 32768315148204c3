import assert from "node:assert/strict";
import { test } from "node:test";
import { formatLabError, parseLab } from "../../src/lab/parse-lab.js";

const LAB = `name: sel
networks: [{ name: net, subnet: 10.9.0.0/24 }]
nodes:
  - { name: server, network: net, listen: [tcp:1234, udp:1234] }
  - { name: client, network: net, count: 2, connect: ["tcp://server:1234", "udp://server:1234"] }
expect:
`;

const errors = (expect: string) => {
  const r = parseLab(`${LAB}${expect}`, "sel.yaml");
  return r.ok ? [] : r.errors.map(formatLabError).map((e) => e.split("\n")[0] ?? "");
};

test("an expectation that selects no connection is caught when the file is checked", () => {
  assert.deepEqual(
    errors(`  - { from: "client-*", to: server, proto: udp, connected_within: 5s }
  - { to: server, port: 1234, never_connects: false, connected_within: 5s }
  - { no_crash: true }
`).filter((e) => e.includes("selects")),
    [],
  );
  const [wrong] = errors(`  - { from: "clients-*", to: server, connected_within: 5s }\n`);
  assert.match(
    wrong ?? "",
    /^sel\.yaml:7:\d+: expect\[0\]\.from: this expectation selects no connection: the lab makes none from clients-\* to server; expected a selector matching one of client-1 → server:1234 tcp, client-1 → server:1234 udp, client-2 → server:1234 tcp/,
  );
  const [port] = errors(`  - { to: server, port: 2345, connected_within: 5s }\n`);
  assert.match(port ?? "", /selects no connection: the lab makes none to server to port 2345/);
});
