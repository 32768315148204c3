/** `--listen tcp:1234` and `--connect 'tcp://HOST:PORT?OPTIONS'`. Pure: no I/O. */

import { isIP, isIPv4, isIPv6 } from "node:net";
import { type ConnectSpec, DEFAULTS, type ListenSpec, type Protocol } from "./config.js";
import { parseRate, parseSize } from "./units.js";
import { quote, UsageError } from "./usage-error.js";

export const MIN_PACKET_SIZE = 64;
/** The largest UDP payload over IPv4 (65535 - 8 UDP header - 20 IP header). */
export const MAX_UDP_PACKET_SIZE = 65_507;
export const MAX_TCP_PACKET_SIZE = 16_000_000;

export const CONNECT_OPTIONS = [
  "monitor-bandwidth",
  "packet-size",
  "rate",
  "streams",
  "bidir",
  "family",
] as const;

/** iperf3's own bound on -P. */
export const MAX_STREAMS = 128;

const LISTEN_EXPECTED =
  "tcp:PORT or udp:PORT, or tcp:ADDRESS:PORT to listen on one address, e.g. --listen tcp:1234";
const CONNECT_EXAMPLE = "--connect 'tcp://127.0.0.1:1234?monitor-bandwidth'";
const CONNECT_EXPECTED = `tcp://HOST:PORT or udp://HOST:PORT, optionally followed by ?OPTIONS, e.g. ${CONNECT_EXAMPLE}`;

function parseProtocol(text: string): Protocol | undefined {
  const lower = text.toLowerCase();
  return lower === "tcp" || lower === "udp" ? lower : undefined;
}

/** A port number 1..65535, or a description of what is wrong with it. */
function parsePort(text: string): number | string {
  if (text === "") return "the port is missing";
  if (!/^\d+$/.test(text)) return `port ${quote(text)} is not a number`;
  const port = Number(text);
  if (port < 1 || port > 65535) return `port ${quote(text)} is out of range 1 to 65535`;
  return port;
}

/** Strips the brackets off "[::1]"; undefined when not a bracketed IPv6 address. */
function bracketedIPv6(text: string): string | undefined {
  if (!text.startsWith("[") || !text.endsWith("]")) return undefined;
  const inner = text.slice(1, -1);
  return isIPv6(inner) ? inner : undefined;
}

/**
 * RFC 1123 host name: dot-separated labels of 1 to 63 letters, digits and hyphens, not
 * starting or ending with a hyphen, 253 characters at most. Underscores are tolerated because
 * Docker container and Compose service names may contain them.
 */
export function isHostName(text: string): boolean {
  const name = text.endsWith(".") ? text.slice(0, -1) : text;
  if (name.length === 0 || name.length > 253) return false;
  return name
    .split(".")
    .every((label) => /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/.test(label));
}

/** `tcp:1234`, `udp:1234`, `tcp:127.0.0.1:1234`, `udp:[::1]:1234`. */
export function parseListen(text: string): ListenSpec {
  function fail(why: string): never {
    throw new UsageError("--listen", `--listen ${quote(text)}: ${why}`);
  }
  const colon = text.indexOf(":");
  const proto = parseProtocol(text.slice(0, colon));
  if (colon < 0 || proto === undefined) fail(`expected ${LISTEN_EXPECTED}`);
  const rest = text.slice(colon + 1);
  if (rest.startsWith("//")) {
    fail(`--listen takes no URI, only a port; expected ${LISTEN_EXPECTED}`);
  }
  const portAt = rest.lastIndexOf(":");
  let host: string | undefined;
  if (portAt >= 0) {
    const address = rest.slice(0, portAt);
    host = isIPv4(address) ? address : bracketedIPv6(address);
    if (host === undefined) {
      fail(
        isIPv6(rest) || isIPv6(address)
          ? "an IPv6 address must be in brackets, e.g. --listen tcp:[::1]:1234"
          : `${quote(address)} is not an IPv4 address or a bracketed IPv6 address; expected ${LISTEN_EXPECTED}`,
      );
    }
  }
  const port = parsePort(rest.slice(portAt + 1));
  if (typeof port === "string") fail(`${port}; expected ${LISTEN_EXPECTED}`);
  return host === undefined ? { proto, port } : { proto, port, host };
}

/**
 * `tcp://HOST:PORT?monitor-bandwidth&packet-size=5mb&rate=10m` (and `udp://`). HOST is an IPv4
 * address, a bracketed IPv6 address or a host name; the returned host has no brackets.
 * `family=4` / `family=6` restricts a host name's addresses to that IP family.
 */
export function parseConnect(text: string): ConnectSpec {
  function fail(why: string, argument = "--connect"): never {
    throw new UsageError(argument, `--connect ${quote(text)}: ${why}`);
  }

  const schemeEnd = text.indexOf("://");
  if (schemeEnd < 0) {
    fail(
      /^(tcp|udp):/i.test(text)
        ? `expected a URI with "://", e.g. ${CONNECT_EXAMPLE}`
        : `expected ${CONNECT_EXPECTED}`,
    );
  }
  const scheme = text.slice(0, schemeEnd);
  const proto = parseProtocol(scheme);
  if (proto === undefined) {
    fail(`unknown scheme ${quote(scheme)}; expected ${CONNECT_EXPECTED}`);
  }

  const afterScheme = text.slice(schemeEnd + 3);
  const queryAt = afterScheme.indexOf("?");
  // A trailing slash, as in "tcp://host:1234/?rate=1m", is harmless.
  const authority = (queryAt < 0 ? afterScheme : afterScheme.slice(0, queryAt)).replace(/\/$/, "");
  const query = queryAt < 0 ? "" : afterScheme.slice(queryAt + 1);
  if (/[/#@]/.test(authority)) {
    fail(`expected only HOST:PORT after "${scheme}://", without a path, user or fragment`);
  }

  let host: string;
  let portText: string;
  if (authority.startsWith("[")) {
    const close = authority.indexOf("]");
    const inner = close < 0 ? undefined : bracketedIPv6(authority.slice(0, close + 1));
    if (close < 0 || inner === undefined) {
      fail(`${quote(authority.slice(0, close + 1) || authority)} is not a valid IPv6 address`);
    }
    host = inner;
    const afterHost = authority.slice(close + 1);
    if (!afterHost.startsWith(":")) fail(`the port is missing, e.g. ${scheme}://[::1]:1234`);
    portText = afterHost.slice(1);
  } else {
    const colon = authority.lastIndexOf(":");
    if (colon < 0) {
      fail(`the port is missing: expected ${scheme}://HOST:PORT, e.g. ${CONNECT_EXAMPLE}`);
    }
    host = authority.slice(0, colon);
    portText = authority.slice(colon + 1);
    if (host.includes(":")) {
      fail(`an IPv6 address must be in brackets, e.g. ${scheme}://[::1]:1234`);
    }
    if (host === "")
      fail(`the host is empty: expected ${scheme}://HOST:PORT, e.g. ${CONNECT_EXAMPLE}`);
    if (/^[\d.]+$/.test(host)) {
      if (!isIPv4(host)) fail(`${quote(host)} is not a valid IPv4 address`);
    } else if (!isHostName(host)) {
      fail(
        `${quote(host)} is not a valid host name: expected an IP address or dot-separated labels of letters, digits, "-" and "_"`,
      );
    }
  }
  const port = parsePort(portText);
  if (typeof port === "string") fail(`${port}: expected ${scheme}://HOST:PORT`);

  let monitorBandwidth = false;
  let bidir = false;
  let streams = 1;
  let packetSize: number = proto === "tcp" ? DEFAULTS.tcpPacketSize : DEFAULTS.udpPacketSize;
  let rateBps: number = proto === "tcp" ? DEFAULTS.tcpRateBps : DEFAULTS.udpRateBps;
  let family: 4 | 6 | undefined;
  const seen = new Set<string>();
  for (const item of query.split("&")) {
    if (item === "") continue;
    const eq = item.indexOf("=");
    const key = eq < 0 ? item : item.slice(0, eq);
    const value = eq < 0 ? undefined : item.slice(eq + 1);
    if (seen.has(key)) fail(`option ${quote(key)} is given twice; give it once`, key);
    seen.add(key);
    if (key === "monitor-bandwidth" || key === "bidir") {
      // A flag, as in the original: "monitor-bandwidth=false" would silently mean true.
      if (value !== undefined) {
        fail(`option ${quote(key)} is a flag and takes no value (got ${quote(item)})`, key);
      }
      if (key === "bidir") bidir = true;
      else monitorBandwidth = true;
    } else if (key === "streams") {
      if (value === undefined || !/^\d+$/.test(value)) {
        fail(`option "streams" needs a whole number of parallel connections, e.g. streams=4`, key);
      }
      streams = Number(value);
      if (streams < 1 || streams > MAX_STREAMS) {
        fail(`streams=${value}: expected 1 to ${MAX_STREAMS} parallel connections`, key);
      }
    } else if (key === "family") {
      if (value !== "4" && value !== "6") {
        fail(`${value === undefined ? key : item}: expected family=4 or family=6`, key);
      }
      family = value === "4" ? 4 : 6;
      const hostFamily = isIP(host);
      if (hostFamily !== 0 && hostFamily !== family) {
        fail(
          `${item}: the host ${host} is an IPv${hostFamily} address; give an IPv${family} address or a host name, or drop ${item}`,
          key,
        );
      }
    } else if (key === "packet-size" || key === "rate") {
      const eg = key === "rate" ? "10m" : "5mb";
      if (value === undefined || value === "") {
        fail(`option ${quote(key)} needs a value, e.g. ${key}=${eg}`, key);
      }
      try {
        if (key === "rate") rateBps = parseRate(value, key);
        else packetSize = checkPacketSize(proto, parseSize(value, key), value);
      } catch (err) {
        if (err instanceof UsageError) fail(err.message, key);
        throw err;
      }
    } else {
      fail(`unknown option ${quote(key)}; known options: ${CONNECT_OPTIONS.join(", ")}`, key);
    }
  }
  if (bidir && !monitorBandwidth) {
    fail(
      `option "bidir" measures bandwidth both ways at once, so it needs monitor-bandwidth too, e.g. ${scheme}://HOST:PORT?monitor-bandwidth&bidir`,
      "bidir",
    );
  }
  const spec = { proto, host, port, monitorBandwidth, bidir, streams, packetSize, rateBps };
  return family === undefined ? { ...spec, uri: text } : { ...spec, family, uri: text };
}

function checkPacketSize(proto: Protocol, bytes: number, text: string): number {
  const subject = `packet-size ${quote(text)}`;
  const eg = `e.g. packet-size=${proto === "tcp" ? "128kb" : "1400"}`;
  if (bytes < MIN_PACKET_SIZE) {
    throw new UsageError(
      "packet-size",
      `${subject}: expected at least ${MIN_PACKET_SIZE} bytes, ${eg}`,
    );
  }
  if (proto === "udp" && bytes > MAX_UDP_PACKET_SIZE) {
    throw new UsageError(
      "packet-size",
      `${subject}: expected at most ${MAX_UDP_PACKET_SIZE} bytes over UDP (the largest UDP payload), ${eg}`,
    );
  }
  if (proto === "tcp" && bytes > MAX_TCP_PACKET_SIZE) {
    throw new UsageError(
      "packet-size",
      `${subject}: expected at most ${MAX_TCP_PACKET_SIZE} bytes (16mb) over TCP, ${eg}`,
    );
  }
  return bytes;
}

/**
 * The IP family a connect goes over: its `family=`, else its host's when an address, else 4
 * (a name resolves to IPv4 first).
 */
export function connectFamily(spec: { host: string; family?: 4 | 6 }): 4 | 6 {
  return spec.family ?? (isIPv6(spec.host) ? 6 : 4);
}
