/**
 * How metrics.k8s.io writes its numbers, as metrics-server does: CPU as a canonical decimal
 * quantity of nanocores ("250m", "1234567n"), memory as a canonical binary quantity of bytes
 * ("10240Ki"), windows as Go durations ("15.012s") and timestamps as RFC 3339 seconds.
 */

/** Canonical decimal-SI form of `nanos` × 10⁻⁹ (e.g. 250000000 → "250m", 1500 → "1500n"). */
export function formatCpu(nanos: number): string {
  const n = Math.max(0, Math.floor(nanos));
  if (n === 0) return "0";
  const units: [string, number][] = [["", 1e9], ["m", 1e6], ["u", 1e3]];
  for (const [suffix, size] of units) if (n % size === 0) return `${n / size}${suffix}`;
  return `${n}n`;
}

/** Canonical binary-SI form of a byte count (multiples of 1024 get Ki/Mi/Gi/Ti, others decimal suffixes). */
export function formatMemory(bytes: number): string {
  const b = Math.max(0, Math.floor(bytes));
  if (b === 0) return "0";
  if (b % 1024 === 0) {
    let value = b;
    let i = 0;
    const suffixes = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
    while (value % 1024 === 0 && i < suffixes.length - 1) { value /= 1024; i++; }
    return `${value}${suffixes[i]}`;
  }
  let value = b;
  let i = 0;
  const suffixes = ["", "k", "M", "G", "T", "P", "E"];
  while (value % 1000 === 0 && i < suffixes.length - 1) { value /= 1000; i++; }
  return `${value}${suffixes[i]}`;
}

/** Go's time.Duration.String() of a millisecond count: "15.012s", "1m0.5s", "500ms", "0s". */
export function goDuration(ms: number): string {
  if (ms === 0) return "0s";
  const sign = ms < 0 ? "-" : "";
  let rest = Math.abs(Math.round(ms));
  if (rest < 1000) return `${sign}${rest}ms`;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = (rest / 1000).toFixed(3).replace(/\.?0+$/, "");
  if (h > 0) return `${sign}${h}h${m}m${s}s`;
  if (m > 0) return `${sign}${m}m${s}s`;
  return `${sign}${s}s`;
}

/** metav1.Time: RFC 3339 with whole seconds. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d+Z$/, "Z");
}
