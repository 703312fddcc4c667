import { describe, expect, test } from "bun:test";
import { CronParseError, parseCronSchedule } from "./cron-schedule.ts";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? "none" : new Date(ms).toISOString());
function nexts(schedule: string, from: string, n: number, tz = "UTC"): string[] {
  const s = parseCronSchedule(schedule, tz);
  const out: string[] = [];
  let t = at(from);
  for (let i = 0; i < n; i++) { const nx = s.next(t); out.push(iso(nx)); if (nx === undefined) break; t = nx; }
  return out;
}

describe("cron schedules", () => {
  test("every minute, steps, ranges and lists", () => {
    expect(nexts("* * * * *", "2026-01-01T00:00:30Z", 2)).toEqual(["2026-01-01T00:01:00.000Z", "2026-01-01T00:02:00.000Z"]);
    expect(nexts("*/15 * * * *", "2026-01-01T00:00:00Z", 3)).toEqual(["2026-01-01T00:15:00.000Z", "2026-01-01T00:30:00.000Z", "2026-01-01T00:45:00.000Z"]);
    expect(nexts("5/20 1-2 * * *", "2026-01-01T00:00:00Z", 4)).toEqual(["2026-01-01T01:05:00.000Z", "2026-01-01T01:25:00.000Z", "2026-01-01T01:45:00.000Z", "2026-01-01T02:05:00.000Z"]);
    expect(nexts("0 9,17 * * *", "2026-01-01T10:00:00Z", 2)).toEqual(["2026-01-01T17:00:00.000Z", "2026-01-02T09:00:00.000Z"]);
  });

  test("names and descriptors", () => {
    expect(nexts("0 0 * JAN-FEB SUN", "2026-01-01T00:00:00Z", 1)).toEqual(["2026-01-04T00:00:00.000Z"]);
    expect(nexts("@hourly", "2026-01-01T00:10:00Z", 1)).toEqual(["2026-01-01T01:00:00.000Z"]);
    expect(nexts("@monthly", "2026-01-15T00:00:00Z", 1)).toEqual(["2026-02-01T00:00:00.000Z"]);
    expect(nexts("@yearly", "2026-01-15T00:00:00Z", 1)).toEqual(["2027-01-01T00:00:00.000Z"]);
    expect(nexts("@weekly", "2026-01-01T00:00:00Z", 1)).toEqual(["2026-01-04T00:00:00.000Z"]);
    expect(nexts("0 0 29 2 *", "2026-03-01T00:00:00Z", 1)).toEqual(["2028-02-29T00:00:00.000Z"]);
  });

  test("day-of-month and day-of-week are ORed when both are restricted", () => {
    // 2026-01-01 is a Thursday. "1st or Monday".
    expect(nexts("0 0 1 * MON", "2026-01-01T00:00:00Z", 2)).toEqual(["2026-01-05T00:00:00.000Z", "2026-01-12T00:00:00.000Z"]);
    expect(nexts("0 0 */2 * MON", "2026-01-01T12:00:00Z", 2)).toEqual(["2026-01-03T00:00:00.000Z", "2026-01-05T00:00:00.000Z"]);
  });

  test("time zones: timeZone field and CRON_TZ prefix use the zone's wall clock", () => {
    expect(nexts("0 9 * * *", "2026-01-01T00:00:00Z", 1, "America/New_York")).toEqual(["2026-01-01T14:00:00.000Z"]);
    expect(iso(parseCronSchedule("CRON_TZ=Asia/Tokyo 30 8 * * *").next(at("2026-06-01T00:00:00Z")))).toBe("2026-06-01T23:30:00.000Z");
    // Across the DST change (2026-03-08 in New York), 09:00 local moves from 14:00Z to 13:00Z.
    expect(nexts("0 9 * * *", "2026-03-07T15:00:00Z", 2, "America/New_York")).toEqual(["2026-03-08T13:00:00.000Z", "2026-03-09T13:00:00.000Z"]);
  });

  test("errors", () => {
    expect(() => parseCronSchedule("* * * *")).toThrow(CronParseError);
    expect(() => parseCronSchedule("61 * * * *")).toThrow("end of range (61) above maximum (59): 61");
    expect(() => parseCronSchedule("0 0 * * 7")).toThrow("end of range (7) above maximum (6): 7"); // robfig/cron: weekdays are 0-6
    expect(() => parseCronSchedule("@every-day")).toThrow("unrecognized descriptor");
    expect(() => parseCronSchedule("* * * * *", "Mars/Olympus")).toThrow(RangeError);
  });
});
