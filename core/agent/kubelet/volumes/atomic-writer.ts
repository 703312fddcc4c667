/**
 * Atomic projection of a set of files into a volume directory (upstream pkg/volume/util
 * AtomicWriter). The real files live in a hidden timestamped directory `..2006_01_02_15_04_05.N`,
 * `..data` is a symlink to it, and every user-visible top-level name is a symlink into `..data/`.
 * An update writes a new timestamped directory and swaps `..data` with one rename, so readers see
 * either the old or the new set, never a mix. A bind mount of one file (subPath) keeps the old
 * inode and does not see updates, as upstream. Paths starting with `..` are reserved.
 * Not safe for concurrent writers on one directory: the caller serialises.
 */
import { chmodSync, chownSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { SetUpError } from "./errors.ts";

export interface FileProjection {
  readonly data: Uint8Array | string;
  /** Permission bits (e.g. 0o644); applied regardless of umask. */
  readonly mode: number;
  /** Owner to chown the file to (projected service-account tokens with a common runAsUser). */
  readonly fsUser?: number;
}

/** Relative path -> content. */
export type Payload = Map<string, FileProjection>;

const DATA_DIR = "..data";
const NEW_DATA_DIR = "..data_tmp";
const MAX_FILE_NAME = 255;
const MAX_PATH = 4096;

/** upstream validatePath: relative, no `..` element, no leading `..name`, bounded lengths. */
export function validatePayloadPath(path: string): void {
  if (path === "") throw new SetUpError(`invalid path: must not be empty: ${JSON.stringify(path)}`);
  if (path.startsWith("/")) throw new SetUpError(`invalid path: must be relative path: ${path}`);
  if (path.length > MAX_PATH) throw new SetUpError(`invalid path: must be less than or equal to ${MAX_PATH} characters`);
  const items = path.split("/");
  for (const item of items) {
    if (item === "..") throw new SetUpError(`invalid path: must not contain '..': ${path}`);
    if (item.length > MAX_FILE_NAME) throw new SetUpError(`invalid path: filenames must be less than or equal to ${MAX_FILE_NAME} characters`);
  }
  if (items[0]!.startsWith("..") && items[0]!.length > 2) throw new SetUpError(`invalid path: must not start with '..': ${path}`);
}

/** Lexical filepath.Clean of a relative path. */
function clean(path: string): string {
  return path.split("/").filter((p) => p !== "" && p !== ".").join("/");
}

function bytesOf(data: Uint8Array | string): Uint8Array {
  return typeof data === "string" ? new TextEncoder().encode(data) : data;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Every path (files and directories) below `dir`, relative to it. */
function walk(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  let entries: string[];
  try { entries = readdirSync(dir); } catch { return out; }
  for (const name of entries) {
    const rel = prefix ? `${prefix}/${name}` : name;
    out.push(rel);
    if (lstatSync(`${dir}/${name}`).isDirectory()) out.push(...walk(`${dir}/${name}`, rel));
  }
  return out;
}

/** The link's target; undefined when nothing exists there; "" when it exists but is no symlink. */
function readLink(path: string): string | undefined {
  try { return readlinkSync(path); } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "EINVAL") return "";
    throw err;
  }
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/** `..2006_01_02_15_04_05.` in UTC plus a random decimal suffix, as os.MkdirTemp names it. */
function newTimestampDir(targetDir: string, now: Date): string {
  const stamp = `..${now.getUTCFullYear()}_${pad(now.getUTCMonth() + 1)}_${pad(now.getUTCDate())}_${pad(now.getUTCHours())}_${pad(now.getUTCMinutes())}_${pad(now.getUTCSeconds())}.`;
  for (;;) {
    const name = `${stamp}${Math.floor(Math.random() * 4_294_967_296)}`;
    try {
      mkdirSync(`${targetDir}/${name}`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") continue;
      throw err;
    }
    // 0755 lets group and other traverse the tree whatever the umask.
    chmodSync(`${targetDir}/${name}`, 0o755);
    return name;
  }
}

export interface WriteOptions {
  /** Names the timestamped directory (default: now). */
  now?: Date;
  /** Called with the new timestamped directory's path after the files are written, before the swap. */
  setPerms?: (tsDir: string) => void;
}

/**
 * Projects `payload` into `targetDir` (which must exist). Returns false when the current version
 * already holds exactly this content (nothing is touched), true when a new version was swapped in.
 * Throws SetUpError for an invalid path.
 */
export function writeAtomically(targetDir: string, payload: Payload, options: WriteOptions = {}): boolean {
  const files = new Map<string, FileProjection>();
  for (const [path, projection] of payload) {
    validatePayloadPath(path);
    files.set(clean(path), projection);
  }

  const dataDirPath = `${targetDir}/${DATA_DIR}`;
  const oldTsDir = readLink(dataDirPath);
  if (oldTsDir === "") throw new SetUpError(`readlink ${dataDirPath}: invalid argument`);
  const oldTsPath = oldTsDir ? `${targetDir}/${oldTsDir}` : undefined;

  let pathsToRemove: string[] = [];
  if (oldTsPath) {
    const wanted = new Set<string>();
    for (const file of files.keys()) {
      for (let sub = file; sub; sub = sub.includes("/") ? sub.slice(0, sub.lastIndexOf("/")) : "") wanted.add(sub);
    }
    pathsToRemove = walk(oldTsPath).filter((p) => !wanted.has(p));
    const changed = [...files].some(([path, projection]) => {
      const current = `${oldTsPath}/${path}`;
      try { lstatSync(current); } catch { return true; }
      return !sameBytes(bytesOf(projection.data), readFileSync(current));
    });
    if (!changed && pathsToRemove.length === 0) return false;
  }

  const tsDirName = newTimestampDir(targetDir, options.now ?? new Date());
  const tsDir = `${targetDir}/${tsDirName}`;
  try {
    for (const [path, projection] of files) {
      const full = `${tsDir}/${path}`;
      mkdirSync(dirname(full), { recursive: true, mode: 0o777 });
      writeFileSync(full, bytesOf(projection.data), { mode: projection.mode });
      chmodSync(full, projection.mode);
      if (projection.fsUser !== undefined) chownSync(full, projection.fsUser, -1);
    }
    options.setPerms?.(tsDir);
    const newDataDirPath = `${targetDir}/${NEW_DATA_DIR}`;
    rmSync(newDataDirPath, { force: true });
    symlinkSync(tsDirName, newDataDirPath);
    renameSync(newDataDirPath, dataDirPath);
  } catch (err) {
    rmSync(tsDir, { recursive: true, force: true });
    throw err;
  }

  // User-visible names: one symlink per top-level component into ..data/.
  for (const path of files.keys()) {
    const top = path.split("/")[0]!;
    if (readLink(`${targetDir}/${top}`) === undefined) symlinkSync(`${DATA_DIR}/${top}`, `${targetDir}/${top}`);
  }
  for (const p of pathsToRemove) {
    if (!p.includes("/")) rmSync(`${targetDir}/${p}`, { force: true });
  }
  if (oldTsPath) rmSync(oldTsPath, { recursive: true, force: true });
  return true;
}
