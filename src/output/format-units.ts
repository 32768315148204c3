/** Figures as people read them, in SI units: "941 Mbit/s", "0.123 ms", "1m05s". Pure. */

/** Three significant digits, without exponent notation for large values. */
function sig3(x: number): string {
  if (x === 0) return "0";
  if (Math.abs(x) >= 999.5) return Math.round(x).toString();
  return x.toPrecision(3);
}

function withPrefix(value: number, units: readonly string[]): string {
  if (!Number.isFinite(value)) return "n/a";
  if (value < 0) return `-${withPrefix(-value, units)}`;
  let v = value;
  let i = 0;
  // Compare with 999.5, not 1000, so 999.7 kbit/s shows as "1.00 Mbit/s", not "1000 kbit/s".
  while (v >= 999.5 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  // Whole bits and bytes: "512 B", not "512.0 B".
  const digits = i === 0 ? Math.round(v).toString() : sig3(v);
  return `${digits} ${units[i]}`;
}

/** "941 Mbit/s", "12.3 Gbit/s", "0 bit/s". */
export function formatBits(bps: number): string {
  return withPrefix(bps, ["bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s"]);
}

/** Decimal SI: "512 B", "128 kB", "5.00 MB". */
export function formatBytes(n: number): string {
  return withPrefix(n, ["B", "kB", "MB", "GB", "TB"]);
}

/** "3.2s" under a minute, then "1m05s", then "2h03m". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "n/a";
  if (seconds < 0) return `-${formatDuration(-seconds)}`;
  const tenths = Math.round(seconds * 10) / 10;
  if (tenths < 60) return `${tenths.toFixed(1)}s`;
  // 59.97 rounds up to 60.0 above; count it as a full minute.
  const whole = Math.max(60, Math.floor(seconds));
  const pad = (n: number) => n.toString().padStart(2, "0");
  if (whole < 3600) return `${Math.floor(whole / 60)}m${pad(whole % 60)}s`;
  return `${Math.floor(whole / 3600)}h${pad(Math.floor(whole / 60) % 60)}m`;
}

/** "1.96%", "0%", "12.5%": at most two decimals. */
export function formatPct(pct: number): string {
  return `${Math.round(pct * 100) / 100}%`;
}

/** "0.123 ms", "12.3 ms", "1.23 s". */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return "n/a";
  // below 1 ms, three decimals: the clock resolves microseconds, not finer
  if (ms !== 0 && Math.abs(ms) < 0.9995) return `${ms.toFixed(3)} ms`;
  if (Math.abs(ms) < 999.5) return `${sig3(ms)} ms`;
  return `${sig3(ms / 1000)} s`;
}
