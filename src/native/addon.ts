/**
 * The native addon (native/conntest_native.c), loaded once. Built at install by
 * node-gyp; where it is missing or CONNTEST_NO_ADDON is set, `addon` is null
 * and `addonMissing` says why, in one line the agent prints once.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";

/** getsockopt(TCP_INFO) in the kernel's units: µs, segments, bytes; null where the kernel gave none. */
export interface RawTcpInfo {
  state: number;
  retransmits: number;
  total_retrans: number;
  lost: number;
  snd_cwnd: number;
  snd_ssthresh: number;
  snd_mss: number;
  rtt_us: number;
  rttvar_us: number;
  min_rtt_us: number | null;
  /** bytes per second */
  delivery_rate: number | null;
  bytes_retrans: number | null;
}

export interface NativeAddon {
  tcpInfo(fd: number): RawTcpInfo;
  /**
   * Sends `count` (1 to 64) datagrams of `size` bytes laid end to end in `buffer` with one
   * sendmmsg: to `host`:`port`, or, with host null, to a connected socket's peer. Returns how
   * many the kernel took, 0 when its buffer is full; throws on a socket error (err.code).
   */
  sendDatagrams(
    fd: number,
    buffer: Buffer,
    size: number,
    count: number,
    host: string | null,
    port: number,
  ): number;
  /**
   * Starts reading the UDP socket `fd` in batches (recvmmsg on a uv_poll of its duplicate):
   * `onBatch(count, error)` runs once per batch, datagram i in `slots` at i × slotBytes, its
   * length (u32 LE), source (family 4|6 at byte 4, port u16 BE at 6, address at 8) and kernel
   * arrival time (f64 LE at 24, CLOCK_MONOTONIC ms, 0 if unstamped) in `meta` at i × metaBytes.
   * The slots are reused: copy what must outlive the call.
   */
  receiveDatagrams(
    fd: number,
    onBatch: (count: number, error: string | null) => void,
  ): {
    slots: Buffer;
    meta: Buffer;
    slotBytes: number;
    metaBytes: number;
    close(): void;
  };
  /**
   * Starts reading the TCP socket `fd` (recvmsg on a uv_poll of its duplicate, Node's reading
   * stopped): `onChunk(bytes, arrivalMs, error)` runs per read, the bytes at the start of
   * `chunk`, with the kernel's arrival time of the read's last segment (CLOCK_MONOTONIC ms, 0
   * if unstamped); bytes 0 is the end of the stream, or an error (its errno name). The chunk
   * is reused: copy what must outlive the call. Absent from an addon built before it.
   */
  receiveStream?(
    fd: number,
    onChunk: (bytes: number, arrivalMs: number, error: string | null) => void,
  ): { chunk: Buffer; close(): void };
}

// dist/src/native/addon.js → the package root, in a checkout and in the image alike
const ADDON_URL = new URL("../../../native/build/Release/conntest_native.node", import.meta.url);

function load(): { addon: NativeAddon | null; missing: string | null } {
  if (process.env.CONNTEST_NO_ADDON)
    return { addon: null, missing: "the native addon is switched off (CONNTEST_NO_ADDON is set)" };
  if (process.platform !== "linux")
    return { addon: null, missing: `the native addon is for Linux (this is ${process.platform})` };
  if (!existsSync(ADDON_URL))
    return {
      addon: null,
      missing:
        "the native addon was not built at install (npm install runs netsetup/build-addon.mjs: it needs python3, make and a C compiler)",
    };
  try {
    return {
      addon: createRequire(import.meta.url)(ADDON_URL.pathname) as NativeAddon,
      missing: null,
    };
  } catch (err) {
    return {
      addon: null,
      missing: `the native addon did not load: ${(err as Error).message.split("\n")[0]}`,
    };
  }
}

const loaded = load();
export const addon: NativeAddon | null = loaded.addon;
/** Why `addon` is null; null when it loaded. */
export const addonMissing: string | null = loaded.missing;
/** The line `started` carries where the addon is missing: what the agent does without it. */
export const addonNote: string | null = addonMissing
  ? `TCP kernel figures (retransmits, cwnd, srtt) are null and UDP datagrams go one system call each: ${addonMissing}`
  : null;
