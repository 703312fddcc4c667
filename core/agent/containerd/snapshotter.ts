import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";

export type Snapshotter = "overlayfs" | "native";

/**
 * Chooses containerd's snapshotter for a root directory by trying an overlay mount in a temp dir
 * beneath it (as K3s does). overlayfs is the fast, space-sharing default and works on these
 * machines (ext4 root, measured); it fails when the directory itself sits on overlayfs (nested
 * upper dirs are refused), on some tmpfs/FUSE setups, or without the kernel module. `native`
 * (full copies per snapshot) works everywhere and is the fallback. The reason for a fallback
 * is returned so the caller can log it.
 */
export function chooseSnapshotter(root: string): { snapshotter: Snapshotter; reason?: string } {
  mkdirSync(root, { recursive: true });
  const dir = mkdtempSync(`${root}/.overlay-probe-`);
  try {
    for (const d of ["lower", "upper", "work", "merged"]) mkdirSync(`${dir}/${d}`);
    writeFileSync(`${dir}/lower/probe`, "x");
    const options = `lowerdir=${dir}/lower,upperdir=${dir}/upper,workdir=${dir}/work`;
    const mount = spawnSync("mount", ["-t", "overlay", "overlay", "-o", options, `${dir}/merged`], { encoding: "utf8" });
    if (mount.status !== 0) return { snapshotter: "native", reason: `overlay mount failed under ${root}: ${(mount.stderr || mount.error?.message || "").trim()}` };
    spawnSync("umount", [`${dir}/merged`]);
    return { snapshotter: "overlayfs" };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
