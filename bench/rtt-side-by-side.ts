/**
 * RTT side by side (issue 16): conntest over TCP and UDP, irtt, sockperf ping-pong and ping,
 * one after the other (conntest one protocol at a time) at the same ping interval, on loopback
 * (inside one container) and between two containers on one bridge. conntest's p50 is judged against irtt's, the
 * reference for a user-space round trip; sockperf and ping are shown beside them.
 */
import type { LabRuntime } from "../src/runtime/lab-runtime.js";
import type { ClusterBenchKit } from "./cluster-bench.js";
import { agentLines, type Figure, lastRttOf, pingTimesMs, ratioFigure } from "./figures.js";
import { irttRtt, type RttFigures, rttOf, sockperfRtt } from "./rtt-tools.js";

/** The bench's helpers this step uses: those of the cluster step, and running a shell in a node. */
export type RttBenchKit = Pick<ClusterBenchKit, "progress" | "withBenchLab"> & {
  /** Runs a shell script in a node of a lab; its output. */
  sh: (runtime: LabRuntime, lab: string, node: string, script: string) => Promise<string>;
};

const LAB = "bench-rtt";
const YAML = `
name: ${LAB}
networks: [{ name: net, subnet: 10.219.0.0/24 }]
nodes:
  - { name: rx, network: net, address: 10.219.0.10, listen: [tcp:1234, udp:1234] }
  - { name: tx, network: net, address: 10.219.0.20, listen: [tcp:1234, udp:1234] }
`;

/** Where the pinger (always tx) aims: itself over loopback, or rx over the bridge. */
const PLACES = [
  { name: "loopback", server: "tx", target: "127.0.0.1" },
  { name: "between containers", server: "rx", target: "10.219.0.10" },
] as const;
/** Ping intervals, and how long each tool pings at each. */
const INTERVALS = [
  { seconds: 0.1, duration: 20 },
  { seconds: 0.5, duration: 30 },
] as const;

interface Row {
  place: string;
  interval: number;
  tcp: RttFigures & { raw50: number };
  udp: RttFigures & { raw50: number };
  irtt: RttFigures;
  sockperf: RttFigures;
  ping: RttFigures;
}

const fmt = (r: RttFigures) => `${r.p50.toFixed(3)}/${r.p99.toFixed(3)} ms (${r.samples} samples)`;

export async function rttSideBySide(
  kit: RttBenchKit,
  runtime: LabRuntime,
  tools: string,
  figures: Figure[],
): Promise<void> {
  const { progress } = kit;
  progress("two containers on one bridge; irtt and sockperf servers beside each agent");
  const rows = await kit.withBenchLab(runtime, LAB, YAML, tools, async (rt) => {
    const sh = (node: string, script: string) => kit.sh(rt, LAB, node, script);
    for (const node of ["rx", "tx"])
      await sh(
        node,
        "nohup irtt server -b :2112 >/dev/null 2>&1 &\nnohup sockperf sr -p 11111 >/dev/null 2>&1 &\nsleep 0.5",
      );
    const out: Row[] = [];
    for (const place of PLACES)
      for (const { seconds, duration } of INTERVALS) {
        const at = `${place.name}, every ${seconds * 1000} ms`;
        const t = place.target;
        // one protocol at a time, as the other tools ping alone: two connections of one agent
        // ping at the same ticks and each waits for the other (on loopback here: 2.1× irtt's p50)
        const alone = async (proto: "tcp" | "udp") => {
          progress(`${at}: conntest ${proto.toUpperCase()} for ${duration} s`);
          const lines = agentLines(
            await sh(
              "tx",
              `timeout -s INT ${duration} conntest --name pinger --connect ${proto}://${t}:1234 --ping-interval ${seconds} --stats-interval ${duration - 1} --ui log || true`,
            ),
          );
          return lastRttOf(lines, proto);
        };
        const tcp = await alone("tcp");
        const udp = await alone("udp");
        progress(`${at}: irtt, sockperf ping-pong, ping`);
        const irtt = irttRtt(
          await sh(
            "tx",
            `irtt client -i ${seconds * 1000}ms -d ${duration}s -Q -o /tmp/irtt.json ${t}:2112 && cat /tmp/irtt.json`,
          ),
        );
        const sockperf = sockperfRtt(
          await sh(
            "tx",
            `sockperf ping-pong -i ${t} -p 11111 --mps=${Math.round(1 / seconds)} -t ${duration} 2>&1`,
          ),
        );
        const ping = rttOf(
          pingTimesMs(
            await sh("tx", `ping -c ${Math.round(duration / seconds)} -i ${seconds} ${t}`),
          ),
        );
        const row = { place: place.name, interval: seconds, tcp, udp, irtt, sockperf, ping };
        progress(
          `  p50/p99: conntest TCP ${fmt(tcp)}, UDP ${fmt(udp)}; irtt ${fmt(irtt)}; sockperf ${fmt(sockperf)}; ping ${fmt(ping)}`,
        );
        out.push(row);
      }
    return out;
  });
  for (const r of rows)
    for (const proto of ["tcp", "udp"] as const) {
      const c = r[proto];
      figures.push(
        ratioFigure({
          name: `RTT p50 vs irtt, ${proto.toUpperCase()}, ${r.place}, every ${r.interval * 1000} ms`,
          value: c.p50 / r.irtt.p50,
          digits: 2,
          target: "≤ 1.0×",
          meets: (v) => v <= 1.0,
          note: `one run each, one after the other, p50/p99: conntest ${proto.toUpperCase()} ${fmt(c)} (raw, before the peer's hold time is taken off: p50 ${c.raw50.toFixed(3)} ms), irtt ${fmt(r.irtt)}, sockperf ping-pong ${fmt(r.sockperf)} (its half round trips doubled), ping ${fmt(r.ping)}`,
        }),
      );
    }
}
