import { expect, test } from "bun:test";
import { evaluateCel } from "../evaluate.ts";
import { parseCel } from "../parse.ts";
import { Duration, parseDuration, parseTimestamp, Timestamp } from "./time-values.ts";

const ev = (src: string, vars: Record<string, unknown> = {}) => evaluateCel(parseCel(src), vars);
const allTrue = (...srcs: string[]) => { for (const s of srcs) expect([s, ev(s)]).toEqual([s, true]); };
const fails = (src: string, message: string) => expect(() => ev(src)).toThrow(message);
const TS = "timestamp('2023-03-15T12:34:56.789Z')"; // a Wednesday, day 73 of the year (0-based)

test("timestamp(): RFC 3339 with nanoseconds and offsets, within 0001..9999", () => {
  expect(parseTimestamp("1970-01-01T00:00:01.5Z").nanos).toBe(1_500_000_000n);
  expect(parseTimestamp("1970-01-01T01:00:00+01:00").nanos).toBe(0n);
  expect(parseTimestamp("2000-01-01T00:00:00.123456789Z").nanos % 1_000_000_000n).toBe(123456789n);
  allTrue("timestamp('0001-01-01T00:00:00Z') < timestamp('9999-12-31T23:59:59.999999999Z')", "timestamp(0) == timestamp('1970-01-01T00:00:00Z')",
    "timestamp('2023-01-01T05:30:00+05:30') == timestamp('2023-01-01T00:00:00Z')");
  for (const bad of ["2023-01-01", "2023-13-01T00:00:00Z", "2023-02-29T00:00:00Z", "2023-01-01T24:00:00Z", "2023-01-01 00:00:00Z", "2023-01-01T00:00:00", "2023-01-01T00:00:60Z"]) {
    expect(() => parseTimestamp(bad)).toThrow("cannot parse");
  }
  fails("timestamp('0001-01-01T00:00:00+01:00')", "timestamp overflow");
  fails("timestamp(253402300800)", "timestamp overflow");
});

test("duration(): Go duration syntax", () => {
  expect(parseDuration("1h30m").nanos).toBe(5_400_000_000_000n);
  expect(parseDuration("-1.5s").nanos).toBe(-1_500_000_000n);
  expect(parseDuration("1µs").nanos).toBe(1000n);
  expect(parseDuration("1us2ns").nanos).toBe(1002n);
  expect(parseDuration("0").nanos).toBe(0n);
  expect(parseDuration(".5ms").nanos).toBe(500_000n);
  expect(parseDuration("+2m").nanos).toBe(120_000_000_000n);
  for (const bad of ["", "1", "1d", "h", "1.5", "-", "10000000h"]) expect(() => parseDuration(bad)).toThrow("duration");
});

test("string() of timestamps (RFC 3339 with nanoseconds) and durations (seconds)", () => {
  allTrue(`string(${TS}) == '2023-03-15T12:34:56.789Z'`, "string(timestamp('2023-01-01T00:00:00.000Z')) == '2023-01-01T00:00:00Z'",
    "string(timestamp('2023-01-01T00:00:00+01:00')) == '2023-01-01T00:00:00+01:00'", "string(timestamp('0001-01-01T00:00:00.000000001Z')) == '0001-01-01T00:00:00.000000001Z'");
  allTrue("string(duration('1h30m')) == '5400s'", "string(duration('1ms')) == '0.001s'", "string(duration('-1.5s')) == '-1.5s'", "string(duration('1ns')) == '0.000000001s'",
    "string(duration('0')) == '0s'");
});

test("int() of a timestamp is Unix seconds; of a duration nanoseconds", () => {
  allTrue("int(timestamp('2023-01-01T00:00:00Z')) == 1672531200", "int(timestamp('1969-12-31T23:59:59.5Z')) == -1", "int(duration('1s')) == 1000000000");
});

test("arithmetic and comparison", () => {
  allTrue(`${TS} + duration('1h') == timestamp('2023-03-15T13:34:56.789Z')`, `duration('1h') + ${TS} == ${TS} + duration('60m')`,
    `${TS} - duration('24h') < ${TS}`, `${TS} - timestamp('2023-03-14T12:34:56.789Z') == duration('24h')`, "duration('1h') - duration('30m') == duration('30m')",
    "-duration('1h') == duration('-1h')", "duration('1h') > duration('59m')", "duration('1s') != duration('1ms')");
  expect(ev("timestamp('2023-01-01T00:00:00Z') + duration('1s')")).toBeInstanceOf(Timestamp);
  expect(ev("timestamp('2023-01-01T00:00:01Z') - timestamp('2023-01-01T00:00:00Z')")).toEqual(new Duration(1_000_000_000n));
  fails("timestamp('9999-12-31T23:59:59Z') + duration('1s')", "timestamp overflow");
  fails("timestamp('0001-01-01T00:00:00Z') - duration('1ns')", "timestamp overflow");
  fails("duration('2562047h') + duration('2562047h')", "duration overflow");
  fails("timestamp('9999-12-31T23:59:59Z') - timestamp('0001-01-01T00:00:00Z')", "duration overflow");
  fails("timestamp('2023-01-01T00:00:00Z') + timestamp('2023-01-01T00:00:00Z')", "no such overload");
  fails("duration('1h') < 1", "no such overload");
});

test("timestamp accessors in UTC (Kubernetes' default time zone)", () => {
  allTrue(`${TS}.getFullYear() == 2023`, `${TS}.getMonth() == 2`, `${TS}.getDate() == 15`, `${TS}.getDayOfMonth() == 14`, `${TS}.getDayOfWeek() == 3`,
    `${TS}.getDayOfYear() == 73`, `${TS}.getHours() == 12`, `${TS}.getMinutes() == 34`, `${TS}.getSeconds() == 56`, `${TS}.getMilliseconds() == 789`,
    "timestamp('2023-01-01T00:00:00+05:00').getHours() == 19", "timestamp('2024-12-31T00:00:00Z').getDayOfYear() == 365",
    "timestamp('1969-12-31T23:59:59Z').getDayOfWeek() == 3");
});

test("timestamp accessors with a time zone: IANA names and fixed offsets", () => {
  allTrue(`${TS}.getHours('America/New_York') == 8`, // EDT (UTC-4) since 2023-03-12
    "timestamp('2023-01-15T12:00:00Z').getHours('America/New_York') == 7", "timestamp('2023-01-01T02:00:00Z').getFullYear('America/Los_Angeles') == 2022",
    "timestamp('2023-01-01T02:00:00Z').getDayOfYear('America/Los_Angeles') == 364", `${TS}.getHours('+05:30') == 18 && ${TS}.getMinutes('+05:30') == 4`,
    `${TS}.getHours('-08:00') == 4`, `${TS}.getHours('UTC') == 12`, `${TS}.getHours('Asia/Kolkata') == 18`, `${TS}.getDayOfWeek('Pacific/Kiritimati') == 4`);
  fails(`${TS}.getHours('Not/AZone')`, "unknown time zone");
  fails(`${TS}.getHours('+05:60')`, "out of range");
  fails(`${TS}.getHours('x:00')`, "invalid time zone offset");
  fails(`${TS}.getHours(1)`, "no such overload");
});

test("duration accessors are whole-duration totals, truncated", () => {
  allTrue("duration('90m').getHours() == 1", "duration('90m').getMinutes() == 90", "duration('1h0m1.5s').getSeconds() == 3601",
    "duration('1.5s').getMilliseconds() == 1500", "duration('-90m').getHours() == -1");
  fails("duration('1h').getFullYear()", "no such overload");
  fails("duration('1h').getHours('UTC')", "no such overload");
});
