/**
 * hostPath type checks (upstream pkg/volume/hostpath checkType): DirectoryOrCreate (mkdir -p,
 * 0755), Directory, FileOrCreate (an empty 0644 file; the parent must exist), File (anything but
 * a directory), Socket, CharDevice, BlockDevice; "" checks nothing. Symlinks are followed.
 */
import { closeSync, mkdirSync, openSync, statSync, type Stats } from "node:fs";
import { SetUpError } from "./errors.ts";

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: "no such file or directory", EACCES: "permission denied", ENOTDIR: "not a directory",
  EEXIST: "file exists", EROFS: "read-only file system", EISDIR: "is a directory",
};

/** A Go-style `op path: reason` message for a failed syscall. */
export function goPathError(op: string, path: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code ?? "";
  return `${op} ${path}: ${ERRNO_TEXT[code] ?? (err as Error).message}`;
}

function stat(path: string): Stats | undefined {
  try { return statSync(path); } catch { return undefined; }
}

/** ValidatePathNoBacksteps: no `..` element. */
export function hasBacksteps(path: string): boolean {
  return path.split("/").includes("..");
}

/** Runs the check for `type`, creating the directory or file for the *OrCreate types. */
export function checkHostPathType(path: string, type: string | undefined): void {
  if (hasBacksteps(path)) throw new SetUpError(`invalid HostPath \`${path}\`: must not contain '..'`);
  const t = type ?? "";
  if (t === "") return;
  const st = stat(path);
  switch (t) {
    case "DirectoryOrCreate":
    case "Directory":
      if (!st && t === "DirectoryOrCreate") {
        try { mkdirSync(path, { recursive: true, mode: 0o755 }); } catch (err) { throw new SetUpError(goPathError("mkdir", path, err)); }
        return;
      }
      if (!st?.isDirectory()) throw new SetUpError(`hostPath type check failed: ${path} is not a directory`);
      return;
    case "FileOrCreate":
    case "File":
      if (!st && t === "FileOrCreate") {
        try { closeSync(openSync(path, "a", 0o644)); } catch (err) { throw new SetUpError(goPathError("open", path, err)); }
        return;
      }
      if (!st || st.isDirectory()) throw new SetUpError(`hostPath type check failed: ${path} is not a file`);
      return;
    case "Socket":
      if (!st?.isSocket()) throw new SetUpError(`hostPath type check failed: ${path} is not a socket file`);
      return;
    case "CharDevice":
      if (!st?.isCharacterDevice()) throw new SetUpError(`hostPath type check failed: ${path} is not a character device`);
      return;
    case "BlockDevice":
      if (!st?.isBlockDevice()) throw new SetUpError(`hostPath type check failed: ${path} is not a block device`);
      return;
    default:
      throw new SetUpError(`${t} is an invalid volume type`);
  }
}
