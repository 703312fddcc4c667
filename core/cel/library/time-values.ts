/**
 * google.protobuf.Timestamp and google.protobuf.Duration as CEL values, with their text forms as
 * cel-go reads and writes them:
 * - Timestamp: nanoseconds since the Unix epoch (bigint), within 0001-01-01T00:00:00Z ..
 *   9999-12-31T23:59:59.999999999Z, plus the UTC offset its text had (as Go's time.Time keeps it;
 *   it only shows in `string(ts)`). Parsed as Go's `time.Parse(time.RFC3339, s)`; printed as
 *   `time.RFC3339Nano` (trailing zeros of the fraction dropped, `Z` for a zero offset).
 * - Duration: nanoseconds (bigint) within Go's int64 `time.Duration`. Parsed as Go's
 *   `time.ParseDuration` (`1h30m`, `-1.5s`, `300ms`, units h m s ms us µs ns); printed as cel-go
 *   does: the seconds as a shortest decimal followed by `s` (`5400s`, `0.001s`).
 * Out-of-range results are CelError (`timestamp overflow`, `duration overflow`).
 */
import { CelError, CelObject, type CelValue } from "../values.ts";

export const NANOS_PER_SECOND = 1_000_000_000n;
const MIN_SECONDS = -62135596800n; // 0001-01-01T00:00:00Z
const MAX_SECONDS = 253402300799n; // 9999-12-31T23:59:59Z
const INT64_MAX = 0x7fffffffffffffffn;

const sign = (d: bigint) => (d < 0n ? -1 : d > 0n ? 1 : 0);

export class Timestamp extends CelObject {
  readonly celType = "google.protobuf.Timestamp";
  /** `nanos` since the epoch; `offset` the UTC offset in seconds its text had (0 for `Z`). */
  constructor(readonly nanos: bigint, readonly offset = 0) {
    super();
    const s = floorDiv(nanos, NANOS_PER_SECOND);
    if (s < MIN_SECONDS || s > MAX_SECONDS) throw new CelError("timestamp overflow");
  }
  get seconds(): bigint {
    return floorDiv(this.nanos, NANOS_PER_SECOND);
  }
  equals(other: CelValue): boolean {
    return other instanceof Timestamp && other.nanos === this.nanos;
  }
  override compare(other: CelValue): number | undefined {
    return other instanceof Timestamp ? sign(this.nanos - other.nanos) : undefined;
  }
}

export class Duration extends CelObject {
  readonly celType = "google.protobuf.Duration";
  constructor(readonly nanos: bigint) {
    super();
    if (nanos > INT64_MAX || nanos < -INT64_MAX - 1n) throw new CelError("duration overflow");
  }
  equals(other: CelValue): boolean {
    return other instanceof Duration && other.nanos === this.nanos;
  }
  override compare(other: CelValue): number | undefined {
    return other instanceof Duration ? sign(this.nanos - other.nanos) : undefined;
  }
}

export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1-12). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The date of a day number (inverse of daysFromCivil). */
export function civilFromDays(z: number): { year: number; month: number; day: number } {
  const zz = z + 719468;
  const era = Math.floor(zz / 146097);
  const doe = zz - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp + (mp < 10 ? 3 : -9);
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/;
const daysInMonth = (y: number, m: number) => [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;

export function parseTimestamp(text: string): Timestamp {
  const m = RFC3339.exec(text);
  const bad = () => new CelError(`timestamp: cannot parse ${JSON.stringify(text)} as RFC 3339`);
  if (!m) throw bad();
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) throw bad();
  let offset = 0;
  if (m[8] !== "Z") {
    const oh = Number(m[8]!.slice(1, 3));
    const om = Number(m[8]!.slice(4, 6));
    if (oh > 23 || om > 59) throw bad();
    offset = (m[8]![0] === "-" ? -1 : 1) * (oh * 3600 + om * 60);
  }
  const frac = BigInt((m[7] ?? "").slice(0, 9).padEnd(9, "0"));
  const seconds = BigInt(daysFromCivil(y, mo, d)) * 86400n + BigInt(h * 3600 + mi * 60 + s - offset);
  return new Timestamp(seconds * NANOS_PER_SECOND + frac, offset);
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** Wall-clock fields of `nanos` shifted by `offset` seconds. */
export function civil(nanos: bigint, offset: number) {
  const local = floorDiv(nanos, NANOS_PER_SECOND) + BigInt(offset);
  const days = Number(floorDiv(local, 86400n));
  const secOfDay = Number(local - BigInt(days) * 86400n);
  const { year, month, day } = civilFromDays(days);
  return {
    year, month, day, days,
    hours: Math.floor(secOfDay / 3600), minutes: Math.floor(secOfDay / 60) % 60, seconds: secOfDay % 60,
    nanos: Number(nanos - floorDiv(nanos, NANOS_PER_SECOND) * NANOS_PER_SECOND),
  };
}

export function formatTimestamp(t: Timestamp): string {
  const c = civil(t.nanos, t.offset);
  const frac = c.nanos === 0 ? "" : `.${pad(c.nanos, 9).replace(/0+$/, "")}`;
  const o = Math.abs(t.offset);
  const zone = t.offset === 0 ? "Z" : `${t.offset < 0 ? "-" : "+"}${pad(Math.floor(o / 3600))}:${pad(Math.floor(o / 60) % 60)}`;
  return `${pad(c.year, 4)}-${pad(c.month)}-${pad(c.day)}T${pad(c.hours)}:${pad(c.minutes)}:${pad(c.seconds)}${frac}${zone}`;
}

const UNITS: Record<string, bigint> = { ns: 1n, us: 1000n, "µs": 1000n, "μs": 1000n, ms: 1_000_000n, s: NANOS_PER_SECOND, m: 60n * NANOS_PER_SECOND, h: 3600n * NANOS_PER_SECOND };

export function parseDuration(text: string): Duration {
  const bad = (why: string) => new CelError(`duration: ${why} ${JSON.stringify(text)}`);
  let rest = text;
  let negative = false;
  if (rest[0] === "-" || rest[0] === "+") { negative = rest[0] === "-"; rest = rest.slice(1); }
  if (rest === "0") return new Duration(0n);
  if (rest === "") throw bad("invalid duration");
  let total = 0n;
  while (rest !== "") {
    const m = /^(\d*)(?:\.(\d*))?([^\d.]*)/.exec(rest)!;
    const [all, whole = "", frac = "", unit = ""] = m;
    if (whole === "" && frac === "") throw bad("invalid duration");
    if (unit === "") throw bad("missing unit in duration");
    const scale = UNITS[unit];
    if (scale === undefined) throw bad(`unknown unit ${JSON.stringify(unit)} in duration`);
    total += BigInt(whole || "0") * scale + (frac ? (BigInt(frac) * scale) / 10n ** BigInt(frac.length) : 0n);
    if (total > INT64_MAX + (negative ? 1n : 0n)) throw bad("invalid duration");
    rest = rest.slice(all.length);
  }
  return new Duration(negative ? -total : total);
}

/** A number in Go's `strconv.FormatFloat(x, 'f', -1, 64)` form: shortest digits, never an exponent. */
export function formatFixed(x: number): string {
  const s = String(x);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const digits = m[2]! + (m[3] ?? "");
  const exp = Number(m[4]);
  if (exp < 0) return `${m[1]}0.${"0".repeat(-exp - 1)}${digits}`;
  return `${m[1]}${digits.padEnd(exp + 1, "0")}`;
}

export function formatDuration(d: Duration): string {
  const seconds = Number(d.nanos / NANOS_PER_SECOND) + Number(d.nanos % NANOS_PER_SECOND) / 1e9;
  return `${formatFixed(seconds)}s`;
}
