import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import type { AgentPaths } from "../paths.ts";
import { buildOciLayout, gzipLayer, sha256Digest, type LayoutImage } from "./oci-layout.ts";
import type { TarEntry } from "./tar-writer.ts";
import { writeTar } from "./tar-writer.ts";

/** The pod sandbox ("pause") image lite builds and configures as containerd's sandbox_image. */
export const SANDBOX_IMAGE = "lite.local/pause:3.10";
/** A busybox image so that `kubectl run --image=busybox` works offline. */
export const BUSYBOX_IMAGE = "docker.io/library/busybox:latest";
export const BUILTIN_IMAGES = [BUSYBOX_IMAGE, SANDBOX_IMAGE] as const;

export const DEFAULT_BUSYBOX = "/bin/busybox";
/** Bump when the layout's content changes, so cached tars are rebuilt. */
const LAYOUT_VERSION = "1";
const PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/** The sandbox sleeps until told to stop, then exits 0 (a shell traps TERM only between waits). */
const PAUSE_SCRIPT = `trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done`;

const enc = new TextEncoder();

/**
 * The single layer both images share: a static busybox at /bin/busybox with a symlink per applet
 * (`busybox --list-full`), /etc/passwd and /etc/group with root and nobody (65534), empty
 * /etc/hosts and /etc/resolv.conf (the runtime mounts the real ones), /tmp (1777), /root, /home, /var.
 */
export function busyboxLayerTar(busybox: Uint8Array, applets: readonly string[]): Uint8Array {
  const dirs = new Set(["bin", "etc", "home", "root", "tmp", "var", "sbin", "usr", "usr/bin", "usr/sbin"]);
  const links = applets.map((a) => a.replace(/^\/+/, "")).filter((a) => a && a !== "bin/busybox");
  for (const link of links) for (let i = link.indexOf("/"); i > 0; i = link.indexOf("/", i + 1)) dirs.add(link.slice(0, i));
  const dirMode: Record<string, number> = { tmp: 0o1777, root: 0o700 };
  const entries: TarEntry[] = [
    ...[...dirs].sort().map((name): TarEntry => ({ type: "dir", name, mode: dirMode[name] ?? 0o755 })),
    { type: "file", name: "bin/busybox", data: busybox, mode: 0o755 },
    { type: "file", name: "etc/passwd", data: enc.encode("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n") },
    { type: "file", name: "etc/group", data: enc.encode("root:x:0:\nnobody:x:65534:\n") },
    { type: "file", name: "etc/hosts", data: new Uint8Array(0) },
    { type: "file", name: "etc/resolv.conf", data: new Uint8Array(0) },
    ...[...new Set(links)].sort().map((name): TarEntry => ({ type: "symlink", name, target: "/bin/busybox" })),
  ];
  return writeTar(entries);
}

/** The two built-in images over one busybox layer. */
export function builtinImages(busybox: Uint8Array, applets: readonly string[]): LayoutImage[] {
  const layer = gzipLayer(busyboxLayerTar(busybox, applets));
  return [
    { name: BUSYBOX_IMAGE, config: { Env: [PATH_ENV], Cmd: ["sh"] }, layers: [layer] },
    { name: SANDBOX_IMAGE, config: { Env: [PATH_ENV], Entrypoint: ["/bin/sh", "-c", PAUSE_SCRIPT] }, layers: [layer] },
  ];
}

export interface BuiltinLayoutFile {
  /** The OCI layout tar holding both images. */
  readonly file: string;
  /** sha256 of busybox + layout version: same key, same bytes. */
  readonly key: string;
  readonly images: readonly string[];
}

/**
 * Returns the cached built-in layout for this busybox under `paths.builtinImagesDir`, building
 * it first when absent (written atomically; older cached layouts are removed).
 */
export function ensureBuiltinLayout(paths: AgentPaths, busyboxPath: string = DEFAULT_BUSYBOX): BuiltinLayoutFile {
  if (!existsSync(busyboxPath)) throw new Error(`${busyboxPath} not found: install Debian's busybox-static to get the built-in busybox and pause images`);
  const busybox = readFileSync(busyboxPath);
  const key = sha256Digest(`${sha256Digest(busybox)} layout v${LAYOUT_VERSION}`).slice(7, 23);
  const file = `${paths.builtinImagesDir}/builtin-${key}.tar`;
  if (!existsSync(file)) {
    const list = spawnSync(busyboxPath, ["--list-full"], { encoding: "utf8" });
    if (list.status !== 0) throw new Error(`${busyboxPath} --list-full failed: ${list.stderr || list.error?.message}`);
    const layout = buildOciLayout(builtinImages(busybox, list.stdout.split("\n").filter(Boolean)));
    mkdirSync(paths.builtinImagesDir, { recursive: true });
    for (const old of readdirSync(paths.builtinImagesDir)) if (/^builtin-.*\.tar/.test(old)) rmSync(`${paths.builtinImagesDir}/${old}`, { force: true });
    writeFileSync(`${file}.tmp`, layout.tar);
    renameSync(`${file}.tmp`, file);
  }
  return { file, key, images: [...BUILTIN_IMAGES] };
}
