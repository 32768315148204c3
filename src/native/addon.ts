/**
 * The native addon (native/tcp_info.c), loaded once. Built at install by
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
