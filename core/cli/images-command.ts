import { resolve } from "node:path";
import { ConfigError } from "../config/config-error.ts";
import { agentPaths } from "../agent/paths.ts";
import { socketAnswers } from "../agent/containerd/socket-probe.ts";
import { ctrError, runCtr } from "../agent/images/ctr.ts";
import { configuredSnapshotter, importImageFile } from "../agent/images/import.ts";
import { parseSubcommandArgs } from "./subcommand-args.ts";

export interface CommandIo { log: (line: string) => void; error: (line: string) => void }

export const IMAGES_HELP = `lite images - images in lite's containerd (namespace k8s.io, what pods use)

USAGE:
  lite images import FILE... [-d DATA_DIR]
  lite images ls [-d DATA_DIR]

FLAGS:
  -d, --data-dir value   Data dir of lite (default: /var/lib/lite; $LITE_DATA_DIR)
  -h, --help             Show this help

import loads OCI image layouts or docker archives (.tar, or gzipped .tar.gz) under the names they
carry. To have a tarball imported at every start instead, put it in <data-dir>/agent/images/.
lite (server or agent) must be running: the commands talk to its containerd.`;

export const DEFAULT_DATA_DIR = "/var/lib/lite";

/** The data dir from --data-dir, else $LITE_DATA_DIR, else /var/lib/lite. */
export function dataDirOf(values: Map<string, string[]>): string {
  return values.get("data-dir")?.[0] ?? (process.env.LITE_DATA_DIR || DEFAULT_DATA_DIR);
}

/** lite's containerd socket for a data dir, or a one-line explanation when nothing answers there. */
export async function liteContainerdSocket(dataDir: string): Promise<{ socket: string } | { error: string }> {
  const socket = agentPaths(dataDir).containerdSocket;
  if (await socketAnswers(socket)) return { socket };
  return { error: `lite's containerd is not running (nothing answers on ${socket}); start lite with --data-dir ${dataDir}` };
}

/** `lite images import|ls`. */
export async function runImagesCommand(argv: string[], io: CommandIo): Promise<number> {
  let args;
  try {
    args = parseSubcommandArgs(argv, [{ name: "data-dir", short: "d" }], "lite images --help");
  } catch (err) {
    if (err instanceof ConfigError) return usageError(io, err.message);
    throw err;
  }
  const [sub, ...operands] = args.positionals;
  if (args.help) {
    io.log(IMAGES_HELP);
    return 0;
  }
  if (sub !== "import" && sub !== "ls") return usageError(io, sub === undefined ? "missing subcommand (lite images import|ls)" : `unknown subcommand ${JSON.stringify(sub)} (lite images import|ls)`);
  if (sub === "import" && operands.length === 0) return usageError(io, "import needs at least one FILE");
  if (sub === "ls" && operands.length) return usageError(io, `unexpected argument ${JSON.stringify(operands[0])}`);
  const dataDir = dataDirOf(args.values);
  const found = await liteContainerdSocket(dataDir);
  if ("error" in found) {
    io.error(`lite images: ${found.error}`);
    return 1;
  }

  if (sub === "import") {
    const snapshotter = configuredSnapshotter(agentPaths(dataDir));
    let failed = 0;
    for (const file of operands.map((f) => resolve(f))) {
      try {
        const images = await importImageFile({ socket: found.socket, file, snapshotter });
        for (const name of images) io.log(`imported ${name} from ${file}`);
      } catch (err) {
        failed++;
        io.error(`lite images: ${file}: ${(err as Error).message}`);
      }
    }
    return failed ? 1 : 0;
  }

  const r = await runCtr(found.socket, ["images", "ls"]);
  if (r.code !== 0) {
    io.error(`lite images: ${ctrError(r)}`);
    return 1;
  }
  io.log(renderImageTable(parseCtrImages(r.stdout)));
  return 0;
}

function usageError(io: CommandIo, message: string): number {
  io.error(`lite images: ${message}`);
  return 2;
}

export interface ImageRow { readonly names: string[]; readonly id: string; readonly size: string }

/**
 * Groups `ctr images ls` rows by target digest. The CRI plugin records every image under its ID
 * (the config digest) as an extra `sha256:<hex>` reference; that reference is the ID shown, the
 * others are the names (digest references name@sha256:… are left out). An image the CRI plugin
 * has not indexed shows its manifest digest instead.
 */
export function parseCtrImages(text: string): ImageRow[] {
  const groups = new Map<string, { names: string[]; id?: string; size: string }>();
  for (const line of text.split("\n").slice(1)) {
    // REF TYPE DIGEST SIZE(number unit) PLATFORMS LABELS
    const m = /^(\S+)\s+(\S+)\s+(sha256:[0-9a-f]{64})\s+(\S+ \S+)\s/.exec(line);
    if (!m) continue;
    const [, ref, , digest, size] = m;
    const g = groups.get(digest!) ?? { names: [], size: size! };
    if (/^sha256:[0-9a-f]{64}$/.test(ref!)) g.id = ref;
    else if (!ref!.includes("@sha256:")) g.names.push(ref!);
    groups.set(digest!, g);
  }
  return [...groups].map(([digest, g]) => ({ names: g.names.sort(), id: g.id ?? digest, size: g.size }));
}

export function renderImageTable(images: readonly ImageRow[]): string {
  const rows = [["IMAGE", "ID", "SIZE"]];
  for (const img of images) {
    const shortId = img.id.replace(/^sha256:/, "").slice(0, 13);
    for (const name of img.names.length ? img.names : ["<none>"]) rows.push([name, shortId, img.size]);
  }
  rows.splice(1, rows.length - 1, ...rows.slice(1).sort((a, b) => a[0]!.localeCompare(b[0]!)));
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  return rows.map((r) => r.map((cell, col) => (col === r.length - 1 ? cell : cell.padEnd(widths[col]! + 3))).join("")).join("\n");
}
