/**
 * Standard cron schedules as upstream's cronjob controller parses them (robfig/cron ParseStandard):
 * five fields (minute hour day-of-month month day-of-week) with `*`, `?`, lists, ranges, steps
 * (`*\/15`, `1-30/5`, `5/10` meaning 5-max/10), month and weekday names, the
 * descriptors @yearly @annually @monthly @weekly @daily @midnight @hourly, and an optional
 * `CRON_TZ=<zone>` or `TZ=<zone>` prefix. Day-of-month and day-of-week are ORed when both are
 * restricted, ANDed when either is `*`. Times are evaluated on the wall clock of the time zone.
 */

export interface CronSchedule {
  /** The first scheduled time strictly after `afterMs` (ms, minute-aligned), or undefined within ~5 years. */
  next(afterMs: number): number | undefined;
  readonly timeZone?: string;
}

export class CronParseError extends Error {
  override name = "CronParseError";
}

interface Field { min: number; max: number; names?: Record<string, number> }
const MONTHS: Field = { min: 1, max: 12, names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 } };
const DOWS: Field = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } };
const FIELDS: Field[] = [{ min: 0, max: 59 }, { min: 0, max: 23 }, { min: 1, max: 31 }, MONTHS, DOWS];

const DESCRIPTORS: Record<string, string> = {
  "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
};

function parseValue(text: string, f: Field): number {
  const named = f.names?.[text.toLowerCase()];
  if (named !== undefined) return named;
  if (!/^\d+$/.test(text)) throw new CronParseError(`failed to parse int from ${text}: strconv.Atoi: parsing ${JSON.stringify(text)}: invalid syntax`);
  return Number(text);
}

/** A field as a set of allowed values plus whether it was unrestricted (`*` or `?` without a step). */
function parseField(expr: string, f: Field): { values: Set<number>; star: boolean } {
  const values = new Set<number>();
  let star = false;
  for (const part of expr.split(",")) {
    const [range, stepText, ...extra] = part.split("/");
    if (range === undefined || extra.length) throw new CronParseError(`too many slashes: ${part}`);
    let lo: number, hi: number;
    let partStar = false;
    if (range === "*" || range === "?") {
      lo = f.min; hi = f.max; partStar = true;
    } else {
      const [a, b, ...more] = range.split("-");
      if (a === undefined || more.length) throw new CronParseError(`too many hyphens: ${range}`);
      lo = parseValue(a, f);
      hi = b !== undefined ? parseValue(b, f) : stepText !== undefined ? f.max : lo;
    }
    const step = stepText !== undefined ? parseValue(stepText, { min: 0, max: 0 }) : 1;
    if (step === 0) throw new CronParseError(`step of range should be a positive number: ${part}`);
    if (lo < f.min) throw new CronParseError(`beginning of range (${lo}) below minimum (${f.min}): ${part}`);
    if (hi > f.max) throw new CronParseError(`end of range (${hi}) above maximum (${f.max}): ${part}`);
    if (lo > hi) throw new CronParseError(`beginning of range (${lo}) beyond end of range (${hi}): ${part}`);
    for (let v = lo; v <= hi; v += step) values.add(v);
    if (partStar && step === 1) star = true;
  }
  return { values, star };
}

/** Throws CronParseError (message as upstream's parser) or RangeError for an unknown time zone. */
export function parseCronSchedule(schedule: string, timeZone?: string): CronSchedule {
  let spec = schedule.trim();
  let zone = timeZone;
  const tz = /^(?:CRON_TZ|TZ)=(\S+)\s+(.*)$/.exec(spec);
  if (tz) { zone = tz[1]; spec = tz[2]!.trim(); }
  if (zone) new Intl.DateTimeFormat("en-US", { timeZone: zone }); // RangeError for unknown zones
  if (spec.startsWith("@")) {
    const expanded = DESCRIPTORS[spec.toLowerCase()];
    if (!expanded) throw new CronParseError(`unrecognized descriptor: ${spec}`);
    spec = expanded;
  }
  const parts = spec.split(/\s+/);
  if (parts.length !== 5) throw new CronParseError(`expected exactly 5 fields, found ${parts.length}: ${spec}`);
  const [minute, hour, dom, month, dow] = parts.map((p, i) => parseField(p, FIELDS[i]!));
  const wall = wallClock(zone);
  const dayMatches = (d: WallTime) => {
    const a = dom!.values.has(d.day);
    const b = dow!.values.has(d.weekday);
    return dom!.star || dow!.star ? a && b : a || b;
  };
  return {
    timeZone: zone,
    next(afterMs) {
      let t = Math.floor(afterMs / 60_000) * 60_000 + 60_000;
      const limit = t + 5 * 366 * 86_400_000;
      while (t < limit) {
        const w = wall(t);
        if (!month!.values.has(w.month) || !dayMatches(w)) { t += ((23 - w.hour) * 60 + (60 - w.minute)) * 60_000; continue; }
        if (!hour!.values.has(w.hour)) { t += (60 - w.minute) * 60_000; continue; }
        if (!minute!.values.has(w.minute)) { t += 60_000; continue; }
        return t;
      }
      return undefined;
    },
  };
}

interface WallTime { month: number; day: number; weekday: number; hour: number; minute: number }

function wallClock(zone: string | undefined): (ms: number) => WallTime {
  if (zone === "UTC" || zone === "Etc/UTC") {
    return (ms) => { const d = new Date(ms); return { month: d.getUTCMonth() + 1, day: d.getUTCDate(), weekday: d.getUTCDay(), hour: d.getUTCHours(), minute: d.getUTCMinutes() }; };
  }
  if (!zone) {
    return (ms) => { const d = new Date(ms); return { month: d.getMonth() + 1, day: d.getDate(), weekday: d.getDay(), hour: d.getHours(), minute: d.getMinutes() }; };
  }
  const fmt = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", month: "numeric", day: "numeric", weekday: "short", hour: "numeric", minute: "numeric" });
  const days: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
  return (ms) => {
    const p: Record<string, string> = {};
    for (const part of fmt.formatToParts(ms)) p[part.type] = part.value;
    return { month: Number(p.month), day: Number(p.day), weekday: days[p.weekday ?? "Sun"] ?? 0, hour: Number(p.hour) % 24, minute: Number(p.minute) };
  };
}
