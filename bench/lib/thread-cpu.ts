/**
 * CPU time of a process's threads, summed by thread name, from /proc/<pid>/task/<tid>/stat
 * (utime + stime in clock ticks; numbered names such as `HeapHelper3` fold into `HeapHelper#`).
 * Threads that ended between two readings are simply absent from the later one.
 */
import { readdirSync, readFileSync } from "node:fs";

/** Clock ticks per second (getconf CLK_TCK on Linux). */
export const CLK_TCK = 100;

export function threadTicks(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")).replace(/\d+$/, "#");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      byName.set(name, (byName.get(name) ?? 0) + Number(fields[11]) + Number(fields[12]));
    } catch {
      // the thread ended
    }
  }
  return byName;
}
