/**
 * A file holding a random hex string, created once and then kept (the agent's node password, the
 * `--with-node-id` id).
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export interface RandomHexFileOptions {
  /** The mode a new file is written with (its directory is made 0700). */
  mode: number;
  /** Checks an existing file's trimmed text: true keeps it, false replaces it with a new value; it may throw. Default: keep any non-empty text. */
  accept?: (text: string) => boolean;
  /** The error thrown when the file cannot be read (`"read"`) or created (`"write"`); default: the error as is. */
  wrapError?: (op: "read" | "write", err: unknown) => unknown;
}

/** The value in `path`, or `bytes` random bytes in hex written there with a trailing newline. */
export function ensureRandomHexFile(path: string, bytes: number, options: RandomHexFileOptions): string {
  const accept = options.accept ?? ((text: string) => text !== "");
  const wrap = options.wrapError ?? ((_op: "read" | "write", err: unknown) => err);
  if (existsSync(path)) {
    let text: string;
    try {
      text = readFileSync(path, "utf8").trim();
    } catch (err) {
      throw wrap("read", err);
    }
    if (accept(text)) return text;
  }
  const value = randomBytes(bytes).toString("hex");
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, `${value}\n`, { mode: options.mode });
  } catch (err) {
    throw wrap("write", err);
  }
  return value;
}
