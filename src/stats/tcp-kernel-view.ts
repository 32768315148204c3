/** TCP_INFO's raw figures (kernel units) as the snapshot's TcpKernelView (ms, bits/s). */
import type { RawTcpInfo } from "../native/addon.js";
import { micro } from "./rtt-stats.js";
import type { TcpKernelView } from "./snapshot.js";

export function tcpKernelView(raw: RawTcpInfo): TcpKernelView {
  const ms = (us: number | null) => (us === null ? null : micro(us / 1000));
  return {
    retransmits: raw.total_retrans,
    retransmitted_bytes: raw.bytes_retrans,
    cwnd_segments: raw.snd_cwnd,
    cwnd_bytes: raw.snd_cwnd * raw.snd_mss,
    mss_bytes: raw.snd_mss,
    srtt_ms: ms(raw.rtt_us),
    rttvar_ms: ms(raw.rttvar_us),
    min_rtt_ms: ms(raw.min_rtt_us),
    delivery_rate_bps: raw.delivery_rate === null ? null : raw.delivery_rate * 8,
    unavailable: null,
  };
}

/** Every figure null, and why. */
export function unavailableTcpView(why: string): TcpKernelView {
  return {
    retransmits: null,
    retransmitted_bytes: null,
    cwnd_segments: null,
    cwnd_bytes: null,
    mss_bytes: null,
    srtt_ms: null,
    rttvar_ms: null,
    min_rtt_ms: null,
    delivery_rate_bps: null,
    unavailable: why,
  };
}
