// Writing PKI material to disk: private directories and atomic writes with
// explicit modes (keys 0600, certificates 0644, directories 0700).
import { chmod, mkdir, rename, stat, writeFile } from "node:fs/promises";
import { dirname, join, basename } from "node:path";

export const KEY_MODE = 0o600;
export const CERT_MODE = 0o644;
export const DIR_MODE = 0o700;

/** Creates `dir` (and missing parents) and forces its own mode to 0700. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
  await chmod(dir, DIR_MODE);
}

/**
 * Writes `data` to `path` via a temporary file in the same directory and a
 * rename, so readers never see a partial file. The mode is set before the
 * rename, so a key is never readable by others, even briefly.
 */
export async function writeFileAtomic(path: string, data: string, mode: number): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${crypto.randomUUID()}.tmp`);
  await writeFile(tmp, data, { mode });
  await chmod(tmp, mode);
  await rename(tmp, path);
}

/** Reads a file as UTF-8, or undefined if it does not exist. */
export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await Bun.file(path).text();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/** Tightens an existing key file to 0600 if it is looser. */
export async function enforceKeyMode(path: string): Promise<void> {
  const s = await stat(path);
  if ((s.mode & 0o777) !== KEY_MODE) await chmod(path, KEY_MODE);
}
