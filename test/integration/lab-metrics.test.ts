/**
 * The controller's Prometheus endpoint: `attach --metrics-port` serves every connection of the
 * lab as labelled series (lab, local node, peer, side, proto), read from the same lines the
 * dashboard shows; a killed node's connections go down there too.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type Docker from "dockerode";
import { connectForLabs, removeLabs, SKIP_AGENT_ONLY } from "../helpers/lab-engine.js";
import { runLab, startLab } from "../helpers/lab-process.js";
import { pollUntil } from "../helpers/poll-until.js";

const LAB = "metrics-lab";
const dir = mkdtempSync(join(tmpdir(), "lab-metrics-"));
const file = join(dir, "lab.yaml");
writeFileSync(
  file,
  `name: ${LAB}
networks: [{ name: net, subnet: 10.235.0.0/24 }]
nodes:
  - { name: server, network: net, listen: [tcp:1234, udp:1234] }
  - { name: client, network: net, connect: ["tcp://server:1234", "udp://server:1234"] }
`,
);

let docker: Docker | null = null;
before(async () => {
  docker = await connectForLabs([LAB]);
});
after(async () => {
  if (docker) await removeLabs(docker, [LAB]);
  rmSync(dir, { recursive: true, force: true });
});

/** `conntest_connection_up` series as "local side proto = value", sorted. */
async function upSeries(port: number): Promise<string[]> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text
    .split("\n")
    .filter((l) => l.startsWith("conntest_connection_up{"))
    .map((l) => {
      const label = (k: string) => new RegExp(`${k}="([^"]*)"`).exec(l)?.[1];
      assert.equal(label("lab"), LAB, l);
      return `${label("local")} ${label("side")} ${label("proto")} = ${l.split(" ").at(-1)}`;
    })
    .sort();
}

test("attach --metrics-port serves every connection of the lab, labelled, and follows a kill", {
  timeout: 300_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  assert.equal(runLab(["up", file, "--detach"]).code, 0);
  const watcher = startLab(["attach", file, "--plain", "--metrics-port", "0"]);
  let port = "";
  try {
    // port 0: the one picked is in the event line
    port = await pollUntil(
      () =>
        /serving every connection of lab \S+ at http:\/\/0\.0\.0\.0:(\d+)\/metrics/.exec(
          watcher.output(),
        )?.[1],
      { what: "the metrics line", timeoutMs: 60_000, last: watcher.output },
    );
    const all = [
      "client client tcp = 1",
      "client client udp = 1",
      "server server tcp = 1",
      "server server udp = 1",
    ];
    await pollUntil(
      async () => JSON.stringify(await upSeries(Number(port))) === JSON.stringify(all),
      {
        what: "four connections up in /metrics",
        timeoutMs: 60_000,
      },
    );
    assert.equal(runLab(["kill", "server", "--lab", LAB]).code, 0);
    // the killed node's side is down at once (its container is not running); the client's TCP notices
    await pollUntil(
      async () => {
        const now = await upSeries(Number(port));
        return now.includes("server server tcp = 0") && now.includes("client client tcp = 0");
      },
      { what: "the kill in /metrics", timeoutMs: 60_000 },
    );
  } finally {
    watcher.child.kill("SIGINT");
    await watcher.done;
  }
  // attach's Ctrl-C keeps the lab; the endpoint is gone with it
  await assert.rejects(fetch(`http://127.0.0.1:${port}/metrics`));
  assert.equal(runLab(["down", "--lab", LAB]).code, 0);
});
