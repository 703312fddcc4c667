import { readFileSync, rmdirSync } from "node:fs";
import { readMounts } from "./mounts.ts";

/**
 * The cgroup directories (under the cgroup mounts) a process sits in, for every hierarchy:
 * v1 hierarchies are matched by their controller list (or name=...), the v2 one by "".
 * Read before the process is killed, so its empty cgroups can be removed afterwards.
 */
export function processCgroupDirs(pid: number): string[] {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/cgroup`, "utf8");
  } catch {
    return [];
  }
  const mounts = readMounts().filter((m) => m.fsType === "cgroup" || m.fsType === "cgroup2");
  const dirs: string[] = [];
  for (const line of text.split("\n")) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m || m[2] === "/" ) continue;
    const controllers = m[1]!;
    const mount = controllers === ""
      ? mounts.find((x) => x.fsType === "cgroup2")
      : mounts.find((x) => x.fsType === "cgroup" && controllers.split(",").every((c) => x.superOptions.split(",").includes(c)));
    if (mount) dirs.push(`${mount.mountPoint}${m[2]}`);
  }
  return dirs;
}

/** Removes cgroup directories that are now empty (rmdir refuses non-empty ones); returns those removed. */
export function removeEmptyCgroups(dirs: Iterable<string>): string[] {
  const removed: string[] = [];
  for (const dir of new Set(dirs)) {
    try {
      rmdirSync(dir);
      removed.push(dir);
    } catch {
      // busy (still has processes or children) or already gone
    }
  }
  return removed;
}
