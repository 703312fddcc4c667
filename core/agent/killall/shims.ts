import { listProcesses, type ProcessEntry } from "../containerd/process-table.ts";

/** A containerd shim serving one containerd instance, and the processes below it (its containers). */
export interface ShimTree {
  readonly shim: ProcessEntry;
  readonly namespace: string;
  readonly id: string;
  /** Descendants of the shim (container processes), leaves first. */
  readonly descendants: readonly ProcessEntry[];
}

function flag(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

/**
 * Shims whose `-address` is exactly `socket` (a containerd shim's command line is
 * `containerd-shim-runc-v2 -namespace NS -id ID -address SOCKET`), so shims of other containerd
 * instances, including other lite data dirs and the host's, are never matched.
 */
export function findShims(socket: string, processes: readonly ProcessEntry[] = listProcesses()): ShimTree[] {
  const children = new Map<number, ProcessEntry[]>();
  for (const p of processes) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const trees: ShimTree[] = [];
  for (const p of processes) {
    const exe = p.argv[0]?.split("/").pop() ?? "";
    if (!exe.startsWith("containerd-shim")) continue;
    if (flag(p.argv, "-address") !== socket) continue;
    const descendants: ProcessEntry[] = [];
    const walk = (pid: number) => {
      for (const c of children.get(pid) ?? []) {
        walk(c.pid);
        descendants.push(c);
      }
    };
    walk(p.pid);
    trees.push({ shim: p, namespace: flag(p.argv, "-namespace") ?? "", id: flag(p.argv, "-id") ?? "", descendants });
  }
  return trees;
}
