/**
 * CEL's timestamp and duration functions (values in time-values.ts), as cel-go provides them
 * with `DefaultUTCTimeZone` (Kubernetes):
 * - `timestamp(string)` (RFC 3339), `timestamp(int)` (Unix seconds), `timestamp(ts)`;
 *   `duration(string)` (Go duration syntax), `duration(dur)`;
 * - `int(ts)` (Unix seconds, rounded down), `int(dur)` (nanoseconds), `string(ts)`, `string(dur)`;
 * - timestamp accessors `getFullYear getMonth getDate getDayOfMonth getDayOfWeek getDayOfYear
 *   getHours getMinutes getSeconds getMilliseconds`, in UTC or in the time zone of their optional
 *   argument: an IANA name (`'America/New_York'`, via Intl) or a fixed offset (`'+05:30'`, `'-08:00'`).
 *   Months, day of month (getDayOfMonth), day of year and day of week (Sunday = 0) count from 0;
 *   getDate counts from 1.
 * - duration accessors `getHours getMinutes getSeconds getMilliseconds`: the whole duration in that
 *   unit, truncated toward zero.
 */
import { CelError, celTypeName, noSuchOverload, type CelValue } from "../values.ts";
import type { CelFunction, CelLibrary } from "./registry.ts";
import {
  civil, daysFromCivil, Duration, formatDuration, formatTimestamp, NANOS_PER_SECOND, parseDuration, parseTimestamp, Timestamp,
} from "./time-values.ts";

const zoneFormats = new Map<string, Intl.DateTimeFormat>();

/** The UTC offset, in seconds, of IANA zone `zone` at `ts`. */
function ianaOffset(zone: string, ts: Timestamp): number {
  let f = zoneFormats.get(zone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat("en-US", {
        timeZone: zone, hourCycle: "h23", era: "short", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric",
      });
    } catch {
      throw new CelError(`unknown time zone ${JSON.stringify(zone)}`);
    }
    zoneFormats.set(zone, f);
  }
  const seconds = Number(ts.seconds);
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(seconds * 1000))) parts[p.type] = p.value;
  const year = parts.era === "BC" || parts.era === "B" ? 1 - Number(parts.year) : Number(parts.year);
  const local = daysFromCivil(year, Number(parts.month), Number(parts.day)) * 86400 + Number(parts.hour) * 3600 + Number(parts.minute) * 60 + Number(parts.second);
  return local - seconds;
}

/** The offset, in seconds, that time zone argument `tz` denotes at `ts` (cel-go's rules). */
function zoneOffset(tz: CelValue, ts: Timestamp): number {
  if (typeof tz !== "string") throw new CelError(`no such overload: time zone of type ${celTypeName(tz)}`);
  const colon = tz.indexOf(":");
  if (colon < 0) return tz === "" || tz === "UTC" ? 0 : ianaOffset(tz, ts);
  const hours = tz.slice(0, colon);
  const minutes = tz.slice(colon + 1);
  if (!/^[+-]?\d+$/.test(hours) || !/^[+-]?\d+$/.test(minutes)) throw new CelError(`invalid time zone offset ${JSON.stringify(tz)}`);
  const h = Number.parseInt(hours, 10);
  const m = Number.parseInt(minutes, 10);
  if (m < 0 || m > 59) throw new CelError(`time zone offset minutes out of range [0, 59]: ${tz}`);
  return (tz.startsWith("-") ? h * 60 - m : h * 60 + m) * 60;
}

type Fields = ReturnType<typeof civil>;

const TIMESTAMP_ACCESSORS: Record<string, (c: Fields) => number> = {
  getFullYear: (c) => c.year,
  getMonth: (c) => c.month - 1,
  getDate: (c) => c.day,
  getDayOfMonth: (c) => c.day - 1,
  getDayOfWeek: (c) => (((c.days % 7) + 7 + 4) % 7),
  getDayOfYear: (c) => c.days - daysFromCivil(c.year, 1, 1),
  getHours: (c) => c.hours,
  getMinutes: (c) => c.minutes,
  getSeconds: (c) => c.seconds,
  getMilliseconds: (c) => Math.floor(c.nanos / 1e6),
};

const DURATION_UNITS: Record<string, bigint> = {
  getHours: 3600n * NANOS_PER_SECOND, getMinutes: 60n * NANOS_PER_SECOND, getSeconds: NANOS_PER_SECOND, getMilliseconds: 1_000_000n,
};

function accessor(name: string): CelFunction {
  return (target, args) => {
    if (target instanceof Timestamp && args.length <= 1) {
      const offset = args.length === 1 ? zoneOffset(args[0]!, target) : 0;
      return BigInt(TIMESTAMP_ACCESSORS[name]!(civil(target.nanos, offset)));
    }
    if (target instanceof Duration && args.length === 0 && name in DURATION_UNITS) return target.nanos / DURATION_UNITS[name]!;
    throw noSuchOverload(name, target, args);
  };
}

const one = (fn: string, target: CelValue | undefined, args: readonly CelValue[]): CelValue => {
  if (target !== undefined || args.length !== 1) throw noSuchOverload(fn, target, args);
  return args[0]!;
};

export const timeLibrary: CelLibrary = {
  timestamp: (target, args) => {
    const v = one("timestamp", target, args);
    if (v instanceof Timestamp) return v;
    if (typeof v === "string") return parseTimestamp(v);
    if (typeof v === "bigint") return new Timestamp(v * NANOS_PER_SECOND);
    throw noSuchOverload("timestamp", target, args);
  },
  duration: (target, args) => {
    const v = one("duration", target, args);
    if (v instanceof Duration) return v;
    if (typeof v === "string") return parseDuration(v);
    throw noSuchOverload("duration", target, args);
  },
  int: (target, args) => {
    const v = one("int", target, args);
    if (v instanceof Timestamp) return v.seconds;
    if (v instanceof Duration) return v.nanos;
    throw noSuchOverload("int", target, args);
  },
  string: (target, args) => {
    const v = one("string", target, args);
    if (v instanceof Timestamp) return formatTimestamp(v);
    if (v instanceof Duration) return formatDuration(v);
    throw noSuchOverload("string", target, args);
  },
  ...Object.fromEntries(Object.keys(TIMESTAMP_ACCESSORS).map((name) => [name, accessor(name)])),
};
