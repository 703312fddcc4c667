/**
 * The cgroup of a container, as cAdvisor names containers (its `id` label): the path of the cgroup
 * the container's processes run in. CRI does not say where the runtime put a container (lite sets
 * no cgroup parent; runc then nests it under the shim's cgroup), so it is read from
 * /proc/<pid>/cgroup of the processes whose cgroup is named after the container id. One scan of
 * /proc finds every container asked for; found paths are kept (a container never moves), and
 * containers not found (no process left) are retried at most once a minute.
 */
import { readdir, readFile } from "node:fs/promises";

/** The path in one /proc/<pid>/cgroup text whose last segment names `id`, preferring cgroup v2's unified line, then cpu, then memory. */
export function cgroupPathOf(text: string, id: string): string | undefined {
  let best: { rank: number; path: string } | undefined;
  for (const line of text.split("\n")) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    const path = m[3]!;
    const last = path.slice(path.lastIndexOf("/") + 1);
    if (!last.includes(id)) continue;
    const controllers = m[2]!.split(",");
    const rank = m[1] === "0" && m[2] === "" ? 0 : controllers.includes("cpu") || controllers.includes("cpuacct") ? 1 : controllers.includes("memory") ? 2 : 3;
    if (!best || rank < best.rank) best = { rank, path };
  }
  return best?.path;
}

export interface CgroupLocatorOptions {
  /** /proc by default (tests point it at a fake tree). */
  procRoot?: string;
  retryMs?: number;
  now?: () => number;
}

/** Resolves container ids to cgroup paths (ids not found are absent from the answer). */
export function createCgroupLocator(opts: CgroupLocatorOptions = {}) {
  const proc = opts.procRoot ?? "/proc";
  const now = opts.now ?? Date.now;
  const found = new Map<string, string>();
  const missedAt = new Map<string, number>();

  async function scan(ids: string[]): Promise<void> {
    const pids = (await readdir(proc).catch(() => [] as string[])).filter((e) => /^\d+$/.test(e));
    const texts = await Promise.all(pids.map((p) => readFile(`${proc}/${p}/cgroup`, "utf8").catch(() => "")));
    for (const text of texts) {
      if (!text) continue;
      for (const id of ids) {
        if (found.has(id) || !text.includes(id)) continue;
        const path = cgroupPathOf(text, id);
        if (path) found.set(id, path);
      }
    }
  }

  return async (ids: readonly string[]): Promise<Map<string, string>> => {
    const live = new Set(ids);
    for (const id of found.keys()) if (!live.has(id)) found.delete(id);
    for (const id of missedAt.keys()) if (!live.has(id)) missedAt.delete(id);
    const t = now();
    const wanted = ids.filter((id) => !found.has(id) && t - (missedAt.get(id) ?? -Infinity) >= (opts.retryMs ?? 60_000));
    if (wanted.length) {
      await scan(wanted);
      for (const id of wanted) {
        if (found.has(id)) missedAt.delete(id);
        else missedAt.set(id, t);
      }
    }
    const out = new Map<string, string>();
    for (const id of ids) {
      const p = found.get(id);
      if (p !== undefined) out.set(id, p);
    }
    return out;
  };
}
