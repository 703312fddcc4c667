/**
 * Which scheduled time a CronJob should act on now (upstream mostRecentScheduleTime): the latest
 * schedule time in (earliest, now], where earliest is lastScheduleTime (or creation), raised to
 * now - startingDeadlineSeconds when that is set; and how many were missed on the way.
 */
import type { CronSchedule } from "./cron-schedule.ts";

export interface ScheduleTimes {
  /** The most recent unmet schedule time (ms), if any. */
  mostRecent?: number;
  /** How many schedule times fell in the window (upstream warns above 100). */
  missed: number;
  /** The next schedule time after now (ms). */
  next?: number;
}

export function scheduleTimes(schedule: CronSchedule, earliestMs: number, nowMs: number, startingDeadlineSeconds?: number): ScheduleTimes {
  let from = earliestMs;
  if (startingDeadlineSeconds !== undefined) from = Math.max(from, nowMs - startingDeadlineSeconds * 1000);
  let mostRecent: number | undefined;
  let missed = 0;
  for (let t = schedule.next(from); t !== undefined && t <= nowMs; t = schedule.next(t)) {
    mostRecent = t;
    if (++missed > 100_000) break;
  }
  return { mostRecent, missed, next: schedule.next(nowMs) };
}
