import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";

export interface MountEntry { readonly mountPoint: string; readonly fsType: string; readonly source: string; readonly superOptions: string }

/** This process's mount table (/proc/self/mountinfo), octal escapes (\040 …) decoded. */
export function readMounts(mountinfo = "/proc/self/mountinfo"): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of readFileSync(mountinfo, "utf8").split("\n")) {
    if (!line) continue;
    const [left, right] = line.split(" - ");
    const fields = left?.split(" ") ?? [];
    const tail = right?.split(" ") ?? [];
    if (fields.length < 5 || tail.length < 3) continue;
    out.push({ mountPoint: unescape(fields[4]!), fsType: tail[0]!, source: unescape(tail[1]!), superOptions: tail[2]! });
  }
  return out;
}

function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Mount points equal to or below `dir`, deepest first (so nested mounts go before their parents). */
export function mountsUnder(dir: string, mounts: readonly MountEntry[] = readMounts()): string[] {
  const prefix = dir.endsWith("/") ? dir : `${dir}/`;
  const found = new Set(mounts.map((m) => m.mountPoint).filter((p) => p === dir || p.startsWith(prefix)));
  return [...found].sort((a, b) => b.split("/").length - a.split("/").length || b.length - a.length);
}

/**
 * Unmounts `path` (every mount stacked on it); falls back to a lazy detach when it is busy.
 * Returns an error message, or undefined on success.
 */
export function unmount(path: string): string | undefined {
  for (let i = 0; i < 16; i++) {
    if (!readMounts().some((m) => m.mountPoint === path)) return undefined;
    const r = spawnSync("umount", [path], { encoding: "utf8" });
    if (r.status !== 0) {
      const lazy = spawnSync("umount", ["-l", path], { encoding: "utf8" });
      if (lazy.status !== 0) return (lazy.stderr || r.stderr || "umount failed").trim();
    }
  }
  return readMounts().some((m) => m.mountPoint === path) ? "still mounted after 16 unmounts" : undefined;
}
