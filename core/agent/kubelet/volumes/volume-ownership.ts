/**
 * fsGroup ownership of a volume (upstream pkg/volume SetVolumeOwnership, Linux): every file and
 * directory gets group `fsGroup` and the group bits rw (r for read-only volumes); directories
 * also get g+x and setgid so new files inherit the group. Symlinks are re-grouped but never
 * chmod-ed (that would change their target). With fsGroupChangePolicy OnRootMismatch the walk is
 * skipped when the volume root already has the group and bits.
 */
import { chmodSync, lchownSync, lstatSync, readdirSync, type Stats } from "node:fs";

const RW_MASK = 0o660;
const RO_MASK = 0o440;
const EXEC_MASK = 0o110;
const SETGID = 0o2000;

function requiredBits(readOnly: boolean, isDir: boolean): number {
  return (readOnly ? RO_MASK : RW_MASK) | (isDir ? EXEC_MASK : 0);
}

/** True when the root's group and bits already satisfy fsGroup (OnRootMismatch may skip). */
function rootMatches(dir: string, fsGroup: number, readOnly: boolean): boolean {
  const st = lstatSync(dir);
  if (st.gid !== fsGroup) return false;
  const want = requiredBits(readOnly, st.isDirectory());
  if ((st.mode & want) !== want) return false;
  return !st.isDirectory() || (st.mode & SETGID) !== 0;
}

function changeOne(path: string, st: Stats, fsGroup: number, readOnly: boolean): void {
  lchownSync(path, st.uid, fsGroup);
  if (st.isSymbolicLink()) return;
  const mask = requiredBits(readOnly, st.isDirectory()) | (st.isDirectory() ? SETGID : 0);
  chmodSync(path, (st.mode & 0o7777) | mask);
}

function walk(path: string, visit: (path: string, st: Stats) => void): void {
  const st = lstatSync(path);
  if (st.isDirectory()) for (const name of readdirSync(path)) walk(`${path}/${name}`, visit);
  visit(path, st);
}

/** Applies fsGroup to everything under `dir` (inclusive). No-op without fsGroup. */
export function setVolumeOwnership(dir: string, fsGroup: number | undefined, readOnly: boolean, changePolicy?: string): void {
  if (fsGroup === undefined || fsGroup === null) return;
  if (changePolicy === "OnRootMismatch" && rootMatches(dir, fsGroup, readOnly)) return;
  walk(dir, (path, st) => changeOne(path, st, fsGroup, readOnly));
}
