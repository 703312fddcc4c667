import { createReadStream, existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import type { Logger } from "@lite/sdk";
import type { AgentPaths } from "../paths.ts";
import { ensureBuiltinLayout } from "./builtin-images.ts";
import { ctrError, runCtr } from "./ctr.ts";

export interface ImportedFile {
  readonly file: string;
  /** imported now; unchanged: imported by an earlier start (same size, mtime or sha256); failed: see error. */
  readonly status: "imported" | "unchanged" | "failed";
  /** Image names the file holds (as containerd named them). */
  readonly images: readonly string[];
  readonly ms: number;
  readonly error?: string;
}

export interface ImportReport {
  /** The built-in busybox and sandbox images. */
  readonly builtin: ImportedFile;
  /** Every *.tar / *.tar.gz of `paths.imagesDir`, in name order. */
  readonly files: readonly ImportedFile[];
}

export interface ImportOptions {
  readonly socket: string;
  readonly paths: AgentPaths;
  readonly log: Logger;
  /** Default /bin/busybox. */
  readonly busyboxPath?: string;
  readonly ctrBinary?: string;
}

interface StateEntry { size: number; mtimeMs: number; sha256: string; images: string[] }

/** What was imported into this containerd's store, keyed by file path; it lives with the store. */
function stateFile(paths: AgentPaths): string {
  return `${paths.containerdRoot}/lite-imported-images.json`;
}

/**
 * Imports the built-in images and the air-gap tarballs into lite's containerd (namespace
 * k8s.io), each under its final name. A file whose size and mtime (or else content hash) match
 * the record of an earlier import is skipped, as long as its images are still in the store. A
 * bad tarball is logged and reported as failed; the others are still imported.
 */
export async function importImages(opts: ImportOptions): Promise<ImportReport> {
  const { paths, log } = opts;
  const state = readState(paths);
  const present = await listImageNames(opts.socket, opts.ctrBinary);
  const snapshotter = configuredSnapshotter(paths);

  const importOne = async (file: string): Promise<ImportedFile> => {
    const t0 = performance.now();
    const ms = () => Math.round(performance.now() - t0);
    try {
      const st = statSync(file);
      const prev = state[file];
      const stillPresent = (e: StateEntry) => e.images.length > 0 && e.images.every((n) => present.has(n));
      if (prev && prev.size === st.size && prev.mtimeMs === st.mtimeMs && stillPresent(prev)) return { file, status: "unchanged", images: prev.images, ms: ms() };
      const sha256 = await hashFile(file);
      if (prev && prev.sha256 === sha256 && stillPresent(prev)) {
        state[file] = { ...prev, size: st.size, mtimeMs: st.mtimeMs };
        return { file, status: "unchanged", images: prev.images, ms: ms() };
      }
      const images = await importImageFile({ socket: opts.socket, file, snapshotter, ctrBinary: opts.ctrBinary });
      state[file] = { size: st.size, mtimeMs: st.mtimeMs, sha256, images };
      return { file, status: "imported", images, ms: ms() };
    } catch (err) {
      delete state[file];
      return { file, status: "failed", images: [], ms: ms(), error: (err as Error).message };
    }
  };

  let builtin: ImportedFile;
  try {
    const layout = ensureBuiltinLayout(paths, opts.busyboxPath);
    builtin = await importOne(layout.file);
  } catch (err) {
    builtin = { file: paths.builtinImagesDir, status: "failed", images: [], ms: 0, error: (err as Error).message };
  }
  if (builtin.status === "failed") log.error("built-in images could not be imported; pods need a sandbox image", { error: builtin.error });
  else log.info("built-in images", { status: builtin.status, images: builtin.images, ms: builtin.ms });

  const files: ImportedFile[] = [];
  for (const file of airgapFiles(paths.imagesDir)) {
    const r = await importOne(file);
    files.push(r);
    if (r.status === "failed") log.error(`image tarball ${file} could not be imported: ${r.error}`, { file });
    else log.info("air-gap images", { file, status: r.status, images: r.images, ms: r.ms });
  }
  writeState(paths, state);
  return { builtin, files };
}

/** `*.tar` and `*.tar.gz` / `*.tgz` files of a directory, sorted by name. */
export function airgapFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.(tar|tar\.gz|tgz)$/.test(f))
    .sort()
    .map((f) => `${dir}/${f}`)
    .filter((f) => statSync(f).isFile());
}

/**
 * Imports one OCI-layout or docker-archive tarball (optionally gzipped) and returns the names
 * containerd gave its images (from `io.containerd.image.name` / a full
 * `org.opencontainers.image.ref.name`, or a docker archive's RepoTags). Throws with ctr's message.
 */
export async function importImageFile(opts: { socket: string; file: string; snapshotter?: string; ctrBinary?: string }): Promise<string[]> {
  const gzipped = await isGzip(opts.file);
  const args = ["images", "import", ...(opts.snapshotter ? ["--snapshotter", opts.snapshotter] : []), gzipped ? "-" : opts.file];
  // ctr reads plain tar only: a gzipped archive is decompressed into its stdin.
  const gunzip = gzipped ? Bun.spawn(["gzip", "-dc", opts.file], { stdin: "ignore", stdout: "pipe", stderr: "pipe" }) : undefined;
  const r = await runCtr(opts.socket, args, opts.ctrBinary, gunzip?.stdout);
  if (gunzip && (await gunzip.exited) !== 0) throw new Error(`not a valid gzip file: ${(await new Response(gunzip.stderr).text()).trim()}`);
  if (r.code !== 0) throw new Error(ctrError(r));
  const images = [...r.stdout.matchAll(/^unpacking (\S+) \(sha256:[0-9a-f]+\)/gm)].map((m) => m[1]!);
  if (images.length === 0) throw new Error("the archive names no image (OCI layouts need an io.containerd.image.name or a full org.opencontainers.image.ref.name annotation; docker archives need RepoTags)");
  return images;
}

/** Names of every image in the store (k8s.io namespace). */
export async function listImageNames(socket: string, ctrBinary?: string): Promise<Set<string>> {
  const r = await runCtr(socket, ["images", "ls", "-q"], ctrBinary);
  if (r.code !== 0) throw new Error(`listing images failed: ${ctrError(r)}`);
  return new Set(r.stdout.split("\n").map((l) => l.trim()).filter(Boolean));
}

/** The snapshotter lite's containerd config names (images must be unpacked into it). */
export function configuredSnapshotter(paths: AgentPaths): string | undefined {
  try {
    return /^\s*snapshotter = "([^"]+)"/m.exec(readFileSync(paths.containerdConfig, "utf8"))?.[1];
  } catch {
    return undefined;
  }
}

async function isGzip(file: string): Promise<boolean> {
  const head = new Uint8Array(await Bun.file(file).slice(0, 2).arrayBuffer());
  return head[0] === 0x1f && head[1] === 0x8b;
}

async function hashFile(file: string): Promise<string> {
  const hasher = new Bun.CryptoHasher("sha256");
  for await (const chunk of createReadStream(file)) hasher.update(chunk as Buffer);
  return hasher.digest("hex");
}

function readState(paths: AgentPaths): Record<string, StateEntry> {
  try {
    return JSON.parse(readFileSync(stateFile(paths), "utf8")) as Record<string, StateEntry>;
  } catch {
    return {};
  }
}

function writeState(paths: AgentPaths, state: Record<string, StateEntry>): void {
  const file = stateFile(paths);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 1)}\n`);
  renameSync(`${file}.tmp`, file);
}
