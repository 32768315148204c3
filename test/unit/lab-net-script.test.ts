import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { interfaceVar, type NetScriptSpec, netScript } from "../../src/lab/net-script.js";

const ROUTER: NetScriptSpec = {
  name: "gw",
  hook: "FORWARD",
  interfaces: [
    { network: "lan", address: "10.77.1.1" },
    { network: "wan-2", address: "10.77.0.1" },
  ],
  routes: [{ subnet: "10.77.5.0/24", via: "10.77.0.2", network: "wan-2" }],
  rules: [
    { table: "filter", chain: "CT-FWD", args: "-d 10.77.1.0/24 -j CT-GUARD" },
    { table: "filter", chain: "CT-GUARD", args: "-i {if:lan} -j RETURN" },
    { table: "filter", chain: "CT-GUARD", args: "-j DROP" },
    { table: "nat", chain: "CT-POST", args: "-s 10.77.1.0/24 -o {if:wan-2} -j MASQUERADE" },
    { table: "filter", chain: "CT-FWD", args: "-j ACCEPT" },
  ],
};

describe("netScript", () => {
  const script = netScript(ROUTER);
  const lines = script.split("\n");

  it("names interface variables after their network", () => {
    assert.equal(interfaceVar("wan-2"), "IF_wan_2");
  });

  it("finds every interface by its planned address", () => {
    assert.ok(lines.includes("IF_lan=$(ifof 10.77.1.1)"));
    assert.ok(lines.includes("IF_wan_2=$(ifof 10.77.0.1)"));
  });

  it("removes Docker's default route, every time, before the routes", () => {
    const del = lines.indexOf("while ip route del default 2>/dev/null; do :; done");
    const route = lines.findIndex((l) => l.includes("ip route replace 10.77.5.0/24"));
    assert.ok(del > 0 && route > del);
    assert.equal(
      lines[route],
      '[ -n "$IF_wan_2" ] && { ip route replace 10.77.5.0/24 via 10.77.0.2 dev $IF_wan_2 || fail "ip route replace 10.77.5.0/24 via 10.77.0.2 dev $IF_wan_2"; }',
    );
  });

  it("forwards nothing it has not decided on: FORWARD's policy is DROP, and set first", () => {
    const policy = lines.indexOf('iptables -P FORWARD DROP || fail "iptables -P FORWARD DROP"');
    assert.ok(policy > 0 && policy < lines.findIndex((l) => l.startsWith("IF_")));
    assert.ok(!netScript({ ...ROUTER, hook: "OUTPUT" }).includes("-P FORWARD"));
  });

  it("replaces its own chains in one iptables-restore, and leaves the rules of an absent interface out", () => {
    const block = lines.slice(lines.indexOf("{"), lines.indexOf('} > "$D/rules"') + 1);
    assert.deepEqual(block, [
      "{",
      "  echo '*filter'",
      "  echo ':CT-FWD - [0:0]'",
      "  echo ':CT-GUARD - [0:0]'",
      '  if [ -n "$IF_lan" ]; then imp lan; [ -z "$LOSS" ] || echo "-A CT-FWD -o $IF_lan -m statistic --mode random --probability $LOSS -j DROP"; fi',
      '  if [ -n "$IF_wan_2" ]; then imp wan-2; [ -z "$LOSS" ] || echo "-A CT-FWD -o $IF_wan_2 -m statistic --mode random --probability $LOSS -j DROP"; fi',
      '  echo "-A CT-FWD -d 10.77.1.0/24 -j CT-GUARD"',
      '  [ -n "$IF_lan" ] && echo "-A CT-GUARD -i $IF_lan -j RETURN"',
      '  echo "-A CT-GUARD -j DROP"',
      '  echo "-A CT-FWD -j ACCEPT"',
      "  echo COMMIT",
      "  echo '*nat'",
      "  echo ':CT-POST - [0:0]'",
      '  [ -n "$IF_wan_2" ] && echo "-A CT-POST -s 10.77.1.0/24 -o $IF_wan_2 -j MASQUERADE"',
      "  echo COMMIT",
      '} > "$D/rules"',
    ]);
    assert.ok(
      lines.includes('iptables-restore --noflush "$D/rules" || fail "iptables-restore $D/rules"'),
    );
  });

  it("jumps to each of its chains once from the built-in chain", () => {
    assert.ok(
      lines.includes(
        'iptables -C FORWARD -j CT-FWD 2>/dev/null || iptables -A FORWARD -j CT-FWD || fail "jump to CT-FWD"',
      ),
    );
    assert.ok(
      lines.includes(
        'iptables -t nat -C POSTROUTING -j CT-POST 2>/dev/null || iptables -t nat -A POSTROUTING -j CT-POST || fail "jump to CT-POST"',
      ),
    );
    assert.ok(
      !script.includes("-j CT-GUARD 2>/dev/null"),
      "CT-GUARD is jumped to from CT-FWD only",
    );
  });

  it("a node: loss on what it sends (OUTPUT), no nat table touched (Docker's DNS lives there)", () => {
    const node = netScript({
      name: "client",
      hook: "OUTPUT",
      interfaces: [{ network: "lan", address: "10.77.1.10" }],
      routes: [],
      rules: [],
    });
    assert.ok(node.includes("echo ':CT-OUT - [0:0]'"));
    assert.ok(node.includes('echo "-A CT-OUT -o $IF_lan -m statistic'));
    assert.ok(
      node.includes("iptables -C OUTPUT -j CT-OUT 2>/dev/null || iptables -A OUTPUT -j CT-OUT"),
    );
    assert.ok(!node.includes("*nat"));
  });

  it("applies the impairment state in force to each interface that is there", () => {
    assert.ok(
      lines.includes(
        'if [ -n "$IF_lan" ]; then imp lan; if [ -n "$QDISC" ]; then tc qdisc replace dev "$IF_lan" root $QDISC || fail "tc qdisc replace dev $IF_lan root $QDISC"; else tc qdisc del dev "$IF_lan" root 2>/dev/null || true; fi; fi',
      ),
    );
  });

  it("refuses text that the shell would expand or that would break its quotes", () => {
    assert.throws(
      () =>
        netScript({
          ...ROUTER,
          rules: [{ table: "filter", chain: "CT-FWD", args: '-j ACCEPT"; reboot; "' }],
        }),
      /unsafe/,
    );
    assert.throws(
      () => netScript({ ...ROUTER, interfaces: [{ network: "lan", address: "$(reboot)" }] }),
      /unsafe/,
    );
  });
});
