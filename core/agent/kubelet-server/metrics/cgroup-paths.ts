/**
 * The cgroup of a container, as cAdvisor names containers (its `id` label): the path of the cgroup
 * the container's processes run in. CRI does not say where the runtime put a container (lite sets
 * no cgroup parent; runc then nests it under the shim's cgroup), so it is read from
 * /proc/<pid>/cgroup of the processes whose cgroup is named after the container id. One scan of
 * /proc finds every container asked for; found paths are kept (a container never moves), and
 * containers not found (no process left) are retried at most once a minute. The same scan finds
 * the process of a pod's sandbox for stats/pod-network.ts (`processes`): the lowest pid in the
 * sandbox's cgroup, checked by the caller on every read.
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
  /** How long an id not found waits before the next /proc scan for it (ms); a minute by default. */
  retryMs?: number;
  now?: () => number;
}

/** The process found for an id: the lowest pid whose cgroup is named after it, and that cgroup's path. */
export interface LocatedProcess {
  pid: string;
  cgroup: string;
}

export interface ProcessLookupOptions {
  /** How long an id not found waits before the next /proc scan for it (ms); the locator's retryMs by default. */
  retryMs?: number;
  /** The time of the lookup (ms), for the retry interval; the locator's now() by default. */
  time?: number;
  /**
   * Whether a located process still is the id's. It is asked for every id with a location, before
   * the scan (a process failing it is forgotten, and its id looked for again) and after it (a
   * process found by the scan failing it counts as a miss).
   */
  verify?: (id: string, at: LocatedProcess) => Promise<boolean>;
}

/**
 * Resolves container ids to cgroup paths (ids not found are absent from the answer); `processes`
 * resolves ids (pod sandboxes) to a process in their cgroup. Both share one /proc scan, but keep
 * their own locations: each call forgets the ids of its kind it was not asked for, so each kind
 * has one caller.
 */
export interface CgroupLocator {
  (ids: readonly string[]): Promise<Map<string, string>>;
  /** The /proc tree scanned. */
  readonly procRoot: string;
  processes(ids: readonly string[], opts?: ProcessLookupOptions): Promise<Map<string, LocatedProcess>>;
}

export function createCgroupLocator(opts: CgroupLocatorOptions = {}): CgroupLocator {
  const proc = opts.procRoot ?? "/proc";
  const now = opts.now ?? Date.now;
  const defaultRetryMs = opts.retryMs ?? 60_000;

  /** One /proc scan: for each of `ids`, the lowest pid whose cgroup is named after it. */
  async function scan(ids: readonly string[]): Promise<Map<string, LocatedProcess>> {
    const found = new Map<string, LocatedProcess>();
    const pids = (await readdir(proc).catch(() => [] as string[])).filter((e) => /^\d+$/.test(e)).sort((a, b) => Number(a) - Number(b));
    const texts = await Promise.all(pids.map((p) => readFile(`${proc}/${p}/cgroup`, "utf8").catch(() => "")));
    pids.forEach((pid, i) => {
      const text = texts[i];
      if (!text) return;
      for (const id of ids) {
        if (found.has(id) || !text.includes(id)) continue;
        const cgroup = cgroupPathOf(text, id);
        if (cgroup) found.set(id, { pid, cgroup });
      }
    });
    return found;
  }

  /** The locations of one kind of id: kept while asked for, misses retried after `retryMs`. */
  function tracker() {
    const known = new Map<string, LocatedProcess>();
    const missedAt = new Map<string, number>();
    const check = (ids: readonly string[], verify: NonNullable<ProcessLookupOptions["verify"]>) =>
      Promise.all(ids.map(async (id) => {
        const at = known.get(id);
        if (at && !(await verify(id, at))) known.delete(id); // gone (or the pid was reused): look again
      }));
    return async (ids: readonly string[], retryMs: number, t: number, verify?: ProcessLookupOptions["verify"]): Promise<Map<string, LocatedProcess>> => {
      const live = new Set(ids);
      for (const m of [known, missedAt]) for (const id of m.keys()) if (!live.has(id)) m.delete(id);
      if (verify) await check(ids, verify);
      const wanted = ids.filter((id) => !known.has(id) && t - (missedAt.get(id) ?? -Infinity) >= retryMs);
      if (wanted.length) {
        for (const [id, at] of await scan(wanted)) known.set(id, at);
        if (verify) await check(wanted, verify);
        for (const id of wanted) {
          if (known.has(id)) missedAt.delete(id);
          else missedAt.set(id, t);
        }
      }
      const out = new Map<string, LocatedProcess>();
      for (const id of ids) {
        const at = known.get(id);
        if (at) out.set(id, at);
      }
      return out;
    };
  }

  const containers = tracker();
  const sandboxes = tracker();
  const paths = async (ids: readonly string[]): Promise<Map<string, string>> => {
    const found = await containers(ids, defaultRetryMs, now());
    return new Map([...found].map(([id, at]) => [id, at.cgroup]));
  };
  return Object.assign(paths, {
    procRoot: proc,
    processes: (ids: readonly string[], o: ProcessLookupOptions = {}) => sandboxes(ids, o.retryMs ?? defaultRetryMs, o.time ?? now(), o.verify),
  });
}
