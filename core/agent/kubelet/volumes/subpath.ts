/**
 * Safe subPath handling (upstream pkg/volume/util/subpath, Linux). A subPath is resolved once,
 * must stay inside its volume, and is then opened component by component without following
 * symlinks; the open descriptor (`/proc/<pid>/fd/<n>`) is bind-mounted to
 * `pods/<uid>/volume-subpaths/<volume>/<container>/<index>`, which is what the container gets.
 * A container that swaps a directory for a symlink after the check cannot redirect the mount.
 * Missing subPath directories are created the same careful way, with the volume root's mode.
 */
import { chmodSync, closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, realpathSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { bindMount, isMountPoint, unmount } from "./host-mounts.ts";

/** O_PATH: a descriptor that only names a file (Linux). */
const O_PATH = 0o10000000;
const OPEN_PATH = O_PATH | constants.O_NOFOLLOW;

export function withinBase(path: string, base: string): boolean {
  return path === base || path.startsWith(base.endsWith("/") ? base : `${base}/`);
}

function components(relative: string): string[] {
  return relative.split("/").filter((p) => p !== "" && p !== ".");
}

function fdPath(fd: number): string {
  return `/proc/self/fd/${fd}`;
}

/** Opens `child` below the directory `parentFd` without following a symlink there. */
function openBelow(parentFd: number, child: string, shownPath: string): number {
  let fd: number;
  try {
    fd = openSync(`${fdPath(parentFd)}/${child}`, OPEN_PATH);
  } catch (err) {
    throw new Error(`cannot open ${shownPath}: ${(err as Error).message}`);
  }
  if (fstatSync(fd).isSymbolicLink()) {
    closeSync(fd);
    throw new Error(`unexpected symlink found ${shownPath}`);
  }
  return fd;
}

/**
 * An O_PATH descriptor of `path` (symlink-free, inside `base`), reached from `base` one component
 * at a time; any symlink on the way fails (upstream doSafeOpen). The caller closes it.
 */
export function safeOpen(path: string, base: string): number {
  if (!withinBase(path, base)) throw new Error(`subpath ${JSON.stringify(path)} not within volume path ${JSON.stringify(base)}`);
  let fd = openSync(base, OPEN_PATH | constants.O_DIRECTORY);
  let shown = base;
  try {
    for (const part of components(path.slice(base.length))) {
      shown = `${shown}/${part}`;
      const child = openBelow(fd, part, shown);
      closeSync(fd);
      fd = child;
    }
    return fd;
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/**
 * Creates the missing directories of `subPath` below `volumePath` with mode `perm`, never leaving
 * the volume and never following a symlink among the new components (upstream SafeMakeDir).
 */
export function safeMakeDir(subPath: string, volumePath: string, perm: number): void {
  const base = realpathSync(volumePath);
  const parts = components(subPath);
  let existing = volumePath;
  let i = 0;
  for (; i < parts.length; i++) {
    try { lstatSync(`${existing}/${parts[i]}`); } catch { break; }
    existing = `${existing}/${parts[i]}`;
  }
  const resolved = realpathSync(existing);
  if (!withinBase(resolved, base)) throw new Error(`pathname ${JSON.stringify(existing)} is not within ${JSON.stringify(base)}`);
  let fd = safeOpen(resolved, base);
  let shown = resolved;
  try {
    for (const part of parts.slice(i)) {
      shown = `${shown}/${part}`;
      try {
        mkdirSync(`${fdPath(fd)}/${part}`, { mode: perm });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw new Error(`cannot create directory ${shown}: ${(err as Error).message}`);
      }
      const child = openBelow(fd, part, shown);
      closeSync(fd);
      fd = child;
      if (!fstatSync(fd).isDirectory()) throw new Error(`${shown} is not a directory`);
      chmodSync(fdPath(fd), perm);
    }
  } finally {
    closeSync(fd);
  }
}

/** Same device and inode. */
function sameFile(a: string, b: string): boolean {
  try {
    const x = statSync(a);
    const y = lstatSync(b);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

/**
 * Bind-mounts the subPath `path` of the volume at `volumePath` onto `target` and returns
 * `target` (upstream doBindSubPath). An existing mount of the same file is reused; a stale one
 * is replaced. Errors are detailed (callers hide them from users, as upstream does).
 */
export function bindSubPath(path: string, volumePath: string, target: string): string {
  let base: string;
  let resolved: string;
  try { base = realpathSync(volumePath); } catch (err) { throw new Error(`error resolving symlinks in ${JSON.stringify(volumePath)}: ${(err as Error).message}`); }
  try { resolved = realpathSync(path); } catch (err) { throw new Error(`error resolving symlinks in ${JSON.stringify(path)}: ${(err as Error).message}`); }
  const fd = safeOpen(resolved, base);
  try {
    if (isMountPoint(target)) {
      if (sameFile(fdPath(fd), target)) return target;
      unmount(target);
    }
    mkdirSync(dirname(target), { recursive: true, mode: 0o750 });
    if (fstatSync(fd).isDirectory()) {
      try { mkdirSync(target, { mode: 0o750 }); } catch (err) { if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err; }
    } else {
      // A plain file is a valid target for any non-directory (socket, device, file).
      writeFileSync(target, "", { mode: 0o640 });
    }
    bindMount(`/proc/${process.pid}/fd/${fd}`, target, { noCanonicalize: true });
    return target;
  } finally {
    closeSync(fd);
  }
}
