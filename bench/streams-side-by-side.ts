/**
 * Parallel streams side by side (issue 16): TCP with `streams=4` against
 * `iperf3 -P 4`, between two containers on one bridge, alternating, RUNS
 * runs each, with conntest's one stream in the same runs for reference.
 * conntest's figure is its four streams' bytes over the longest stream's span
 * in one round, as iperf3's [SUM] line is of its four.
 */
import { formatBits } from "../src/output/format-units.js";
import type { LabRuntime } from "../src/runtime/lab-runtime.js";
import { sumRounds } from "../src/stats/stream-sums.js";
import { agentLines, type Figure, iperfTcpBps, median, ratioFigure } from "./figures.js";
import type { RttBenchKit } from "./rtt-side-by-side.js";

const LAB = "bench-streams";
const YAML = `
name: ${LAB}
networks: [{ name: net, subnet: 10.223.0.0/24 }]
nodes:
  - { name: rx, network: net, address: 10.223.0.10, listen: [tcp:1234] }
  - { name: tx, network: net, address: 10.223.0.20, listen: [tcp:1235] }
`;

type Shell = (node: string, script: string) => Promise<string>;

/** The first up round all `streams` connections of one conntest client ran: its sum and each stream's rate. */
async function upRound(sh: Shell, streams: number) {
  const lines = agentLines(
    await sh(
      "tx",
      `timeout -s INT 6 conntest --name bench-client --connect 'tcp://rx:1234?monitor-bandwidth&streams=${streams}' --ui log --round 3 --round-pause 0.5 || true`,
    ),
  );
  const results = lines.flatMap((l) =>
    l.type === "event" && l.event === "round" && l.result?.direction === "up" ? [l.result] : [],
  );
  const first = sumRounds(results).find((r) => r.streams === streams);
  if (first === undefined) return null;
  return {
    bps: first.bps,
    perStream: results.filter((r) => r.round === first.round).map((r) => r.bps),
  };
}

export async function streamsSideBySide(
  kit: RttBenchKit & { runs: number },
  runtime: LabRuntime,
  tools: string,
  figures: Figure[],
): Promise<void> {
  const { progress } = kit;
  progress("two containers on one bridge: conntest streams=4 and iperf3 -P 4, alternating");
  const samples = await kit.withBenchLab(runtime, LAB, YAML, tools, async (rt) => {
    const sh: Shell = (node, script) => kit.sh(rt, LAB, node, script);
    await sh("rx", "iperf3 -s -D -p 5201 && sleep 0.5");
    const conntest: number[] = [];
    const perStream: number[][] = [];
    const iperf: number[] = [];
    const single: number[] = [];
    for (let run = 1; run <= kit.runs; run++) {
      progress(
        `run ${run}/${kit.runs}: conntest streams=4 (one 3 s up round), iperf3 -P 4 -t 3, conntest one stream`,
      );
      const four = await upRound(sh, 4);
      if (four) {
        conntest.push(four.bps);
        perStream.push(four.perStream);
      }
      iperf.push(iperfTcpBps(await sh("tx", "iperf3 -c rx -p 5201 -P 4 -t 3 -J")));
      const one = await upRound(sh, 1);
      if (one) single.push(one.bps);
      progress(
        `  conntest ${formatBits(four?.bps ?? Number.NaN)} (streams ${(four?.perStream ?? []).map(formatBits).join(", ")}), iperf3 ${formatBits(iperf.at(-1) ?? Number.NaN)}; conntest one stream ${formatBits(one?.bps ?? Number.NaN)}`,
      );
    }
    return { conntest, perStream, iperf, single };
  });
  const c = median(samples.conntest);
  const i = median(samples.iperf);
  figures.push(
    ratioFigure({
      name: "TCP streams=4 vs iperf3 -P 4",
      value: c / i,
      digits: 2,
      target: "≥ 0.9×",
      meets: (v) => v >= 0.9,
      note: `the 4 streams' bytes over the longest stream's span (stream-sums.ts, as iperf3's [SUM]), medians of ${samples.conntest.length} runs, alternating, container to container on one bridge: conntest ${formatBits(c)} (runs ${samples.conntest.map(formatBits).join(", ")}; the streams of the last: ${(samples.perStream.at(-1) ?? []).map(formatBits).join(", ")}), iperf3 ${formatBits(i)} (runs ${samples.iperf.map(formatBits).join(", ")}); conntest with one stream in the same runs: ${formatBits(median(samples.single))}. Each conntest agent is one thread: its streams share one core at each end, where iperf3 3.16 and later gives each stream a thread of its own`,
    }),
  );
}
