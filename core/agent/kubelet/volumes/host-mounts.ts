/**
 * The host's mount table and the mount(8)/umount(8) calls the volume manager makes (tmpfs for
 * memory-backed volumes, bind mounts for subPaths and local volumes). Failures throw with the
 * text upstream's mount-utils produces (`mount failed: exit status 32 ...`).
 */
import { readFileSync, realpathSync } from "node:fs";

export interface MountEntry {
  readonly mountPoint: string;
  readonly fsType: string;
  readonly source: string;
  readonly options: string;
  /** Filesystem options, e.g. `rw,size=65536k` for a tmpfs. */
  readonly superOptions: string;
}

/** `\040` and friends in /proc/self/mountinfo. */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

/** Every mount of this mount namespace, in mount order. */
export function readMounts(): MountEntry[] {
  const text = readFileSync("/proc/self/mountinfo", "utf8");
  const out: MountEntry[] = [];
  for (const line of text.split("\n")) {
    if (!line) continue;
    const fields = line.split(" ");
    const dash = fields.indexOf("-", 6);
    if (dash < 0) continue;
    out.push({ mountPoint: unescape(fields[4]!), options: fields[5]!, fsType: fields[dash + 1]!, source: unescape(fields[dash + 2] ?? ""), superOptions: fields[dash + 3] ?? "" });
  }
  return out;
}

/** Resolves symlinks of an existing path; a missing one is returned as given. */
export function canonical(path: string): string {
  try { return realpathSync(path); } catch { return path; }
}

/** Whether something is mounted exactly at `path`. */
export function isMountPoint(path: string): boolean {
  const p = canonical(path);
  return readMounts().some((m) => m.mountPoint === p);
}

/** Mounts at or below `dir`, deepest first (the order to unmount them in). */
export function mountsUnder(dir: string): MountEntry[] {
  const base = canonical(dir);
  return readMounts()
    .filter((m) => m.mountPoint === base || m.mountPoint.startsWith(`${base}/`))
    .sort((a, b) => b.mountPoint.split("/").length - a.mountPoint.split("/").length || b.mountPoint.length - a.mountPoint.length);
}

function run(command: "mount" | "umount", args: string[]): void {
  const r = Bun.spawnSync([command, ...args], { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode === 0) return;
  const output = `${r.stdout.toString()}${r.stderr.toString()}`.trim();
  const verb = command === "mount" ? "mount" : "unmount";
  throw new Error(`${verb} failed: exit status ${r.exitCode}\n${command === "mount" ? "Mounting" : "Unmounting"} command: ${command}\n${command === "mount" ? "Mounting" : "Unmounting"} arguments: ${args.join(" ")}\nOutput: ${output}`);
}

/** A tmpfs at `dir`, capped at `sizeBytes` when given (upstream setupTmpfs). */
export function mountTmpfs(dir: string, sizeBytes?: number): void {
  const args = ["-t", "tmpfs"];
  if (sizeBytes && sizeBytes > 0) args.push("-o", `size=${Math.floor(sizeBytes)}`);
  run("mount", [...args, "tmpfs", dir]);
}

/**
 * Bind-mounts `source` onto `target`. `noCanonicalize` passes the source through untouched
 * (needed for /proc/<pid>/fd/<n> sources, which must not be resolved to a path string).
 */
export function bindMount(source: string, target: string, options: { readOnly?: boolean; noCanonicalize?: boolean } = {}): void {
  const args = options.noCanonicalize ? ["--no-canonicalize"] : [];
  args.push("-o", options.readOnly ? "bind,ro" : "bind", source, target);
  run("mount", args);
}

/** Unmounts `target` once (lazy is never used: a busy mount is an error the caller sees). */
export function unmount(target: string): void {
  run("umount", [target]);
}

/** Unmounts everything at or below `dir`, deepest first, until nothing is left there. */
export function unmountAllUnder(dir: string): void {
  for (let round = 0; round < 16; round++) {
    const mounts = mountsUnder(dir);
    if (mounts.length === 0) return;
    for (const m of mounts) unmount(m.mountPoint);
  }
  const left = mountsUnder(dir);
  if (left.length) throw new Error(`mounts remain under ${dir}: ${left.map((m) => m.mountPoint).join(", ")}`);
}
