import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync } from "node:fs";
import { agentPaths } from "../paths.ts";
import { containerdPidFile, podNetnsDir } from "../containerd/config.ts";
import { findOwnContainerd } from "../containerd/own-processes.ts";
import { processArgv, waitForExit } from "../containerd/process-table.ts";
import { processCgroupDirs, removeEmptyCgroups } from "./cgroups.ts";
import { mountsUnder, readMounts, unmount } from "./mounts.ts";
import { cniBridgeNames, deleteDevice, deleteFlannelRoutes, deleteLiteNftTables, deletePodVeths } from "./network-cleanup.ts";
import { findShims } from "./shims.ts";
import { forgetNodeNetns, recordedNetnsIsOwn } from "../node-netns-record.ts";

/** containerd 1.6 puts every shim's socket here, named by sha256(address/namespace/id). */
const SHIM_SOCKET_DIR = "/run/containerd/s";
/** runc's default state root for containers not created through the CRI plugin (e.g. `lite ctr run`). */
const DEFAULT_RUNC_ROOT = "/run/containerd/runc";
/** Legacy location of pod network namespaces (containerd without netns_mounts_under_state_dir). */
const HOST_NETNS_DIR = "/run/netns";
/** VXLAN devices of the flannel backends. */
const FLANNEL_DEVICES = ["flannel.1", "flannel-v6.1"];

export interface KillallOptions {
  readonly dataDir: string;
  /** Called with each action as it happens. */
  readonly log?: (line: string) => void;
  /** Called with each warning as it happens. */
  readonly warn?: (line: string) => void;
  /** How long containerd gets after SIGTERM before SIGKILL (default 10 s). */
  readonly containerdGraceMs?: number;
}

export interface KillallReport {
  /** What was done, one line each; empty when nothing of this data dir was running or mounted. */
  readonly actions: string[];
  /** Things left alone on purpose or that failed. */
  readonly warnings: string[];
}

/**
 * Stops everything lite started for `dataDir` on this machine, as K3s' killall script does:
 * containerd, every shim serving its socket with their containers, the pods' veths (through the
 * pod network namespaces under containerd's state dir), the containers' empty cgroups, and every
 * mount under DATA_DIR/agent. In the network namespace a live containerd or shim of this data
 * dir runs in, it also deletes the CNI bridge named in lite's CNI config (unless other devices
 * are still attached to it), the flannel VXLAN devices, and nftables tables named lite*. When
 * nothing of this data dir is alive (lite stopped cleanly), the same is done when the node
 * agent's record (node-netns-record.ts) names the namespace killall runs in; otherwise those
 * node-level devices are left alone: nothing tells them apart from another instance's. Only
 * what is traceable to this data dir is touched.
 * Idempotent: a second run finds nothing and reports nothing. Does not stop a running
 * `lite` parent process: stop lite first, or its supervisor restarts containerd.
 */
export async function killall(opts: KillallOptions): Promise<KillallReport> {
  const paths = agentPaths(opts.dataDir);
  const actions: string[] = [];
  const warnings: string[] = [];
  const act = (line: string) => {
    actions.push(line);
    opts.log?.(line);
  };
  const warn = (line: string) => {
    warnings.push(line);
    opts.warn?.(line);
  };

  const containerdPids = findOwnContainerd(paths);
  const shims = findShims(paths.containerdSocket);
  const containerProcs = shims.flatMap((s) => s.descendants);

  // Everything we need from processes must be read before they die.
  const pinned = pinNetns(containerdPids[0] ?? shims[0]?.shim.pid);
  // After a clean stop nothing is alive: the agent's record of its namespace says whether it was ours.
  const node = pinned.known || !recordedNetnsIsOwn(paths) ? pinned : { known: true, path: undefined, close() {} };
  const podNetnsInodes = new Set(containerProcs.map((p) => nsInode(`/proc/${p.pid}/ns/net`)));
  podNetnsInodes.delete(undefined);
  podNetnsInodes.delete(nsInode("/proc/self/ns/net"));
  if (node.path) podNetnsInodes.delete(nsInode(node.path));
  const cgroupDirs = containerProcs.flatMap((p) => processCgroupDirs(p.pid));

  try {
    for (const pid of containerdPids) {
      const parent = parentOf(pid);
      if (parent) warn(`containerd's parent (pid ${parent.pid}: ${parent.argv.join(" ").slice(0, 80)}) is still running and may restart it; stop lite first`);
      process.kill(pid, "SIGTERM");
      if (!(await waitForExit(pid, opts.containerdGraceMs ?? 10_000))) {
        process.kill(pid, "SIGKILL");
        await waitForExit(pid, 5_000);
      }
      act(`stopped containerd (pid ${pid})`);
    }
    rmSync(containerdPidFile(paths), { force: true });

    for (const s of shims) {
      const pids = [...s.descendants.map((p) => p.pid), s.shim.pid];
      for (const pid of pids) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      for (const pid of pids) await waitForExit(pid, 5_000);
      act(`killed shim ${s.shim.pid} (${s.namespace}/${s.id}) and ${s.descendants.length} container process(es)`);
      const socketFile = `${SHIM_SOCKET_DIR}/${new Bun.CryptoHasher("sha256").update(`${paths.containerdSocket}/${s.namespace}/${s.id}`).digest("hex")}`;
      if (existsSync(socketFile)) rmSync(socketFile, { force: true });
      const runcState = `${DEFAULT_RUNC_ROOT}/${s.namespace}/${s.id}`;
      if (s.namespace && s.id && existsSync(`${runcState}/state.json`)) rmSync(runcState, { recursive: true, force: true });
    }

    // Pod network namespaces: lite's own (under containerd's state dir) and, for runtimes that
    // used /run/netns, those its containers were in.
    const podNetns = listFiles(podNetnsDir(paths));
    const hostNetns = listFiles(HOST_NETNS_DIR).filter((f) => f.split("/").pop()!.startsWith("cni-") && podNetnsInodes.has(nsInode(f)));
    for (const ns of [...podNetns, ...hostNetns]) for (const line of deletePodVeths(ns)) act(line);

    // Node-level devices and tables are attributed by the namespace a live containerd or shim of
    // this data dir runs in; with none alive there is no telling them from another instance's.
    if (node.known) {
      const bridges = cniBridgeNames(paths.cniConfDir);
      const devices = bridges.length ? [...bridges, ...FLANNEL_DEVICES] : [];
      for (const dev of devices) {
        const line = deleteDevice(node.path, dev);
        if (line?.startsWith("deleted")) act(line);
        else if (line) warn(line);
      }
      for (const line of deleteFlannelRoutes(node.path)) (line.startsWith("deleted") ? act : warn)(line);
      for (const line of deleteLiteNftTables(node.path)) (line.startsWith("deleted") ? act : warn)(line);
      forgetNodeNetns(paths);
    }

    for (const f of hostNetns) {
      const err = unmount(f);
      if (err) warn(`could not unmount ${f}: ${err}`);
      else {
        rmSync(f, { force: true });
        act(`unmounted and removed ${f}`);
      }
    }
    for (const mountPoint of mountsUnder(paths.root, readMounts())) {
      const err = unmount(mountPoint);
      if (err) {
        warn(`could not unmount ${mountPoint}: ${err}`);
        continue;
      }
      act(`unmounted ${mountPoint}`);
      // Runtime mount points (rootfs dirs, netns files, sandbox shm) are recreated by containerd; remove them as K3s does.
      if (mountPoint.startsWith(`${paths.containerdState}/`)) removeEmpty(mountPoint);
    }
    for (const dir of removeEmptyCgroups(cgroupDirs)) act(`removed cgroup ${dir}`);
  } finally {
    node.close();
  }
  return { actions, warnings };
}

function listFiles(dir: string): string[] {
  try {
    return readdirSync(dir).map((f) => `${dir}/${f}`);
  } catch {
    return [];
  }
}

function nsInode(path: string): number | undefined {
  try {
    return statSync(path).ino;
  } catch {
    return undefined;
  }
}

function parentOf(pid: number): { pid: number; argv: string[] } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (ppid <= 1) return undefined;
    const argv = processArgv(ppid);
    return argv ? { pid: ppid, argv } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Keeps the network namespace of `pid` reachable after the process dies, by holding a file
 * descriptor on it; `path` is undefined when it is our own namespace (run commands directly).
 */
function pinNetns(pid: number | undefined): { known: boolean; path: string | undefined; close(): void } {
  const inode = pid === undefined ? undefined : nsInode(`/proc/${pid}/ns/net`);
  if (inode === undefined) return { known: false, path: undefined, close() {} };
  if (inode === nsInode("/proc/self/ns/net")) return { known: true, path: undefined, close() {} };
  try {
    const fd = openSync(`/proc/${pid}/ns/net`, "r");
    return { known: true, path: `/proc/${process.pid}/fd/${fd}`, close: () => closeSync(fd) };
  } catch {
    return { known: false, path: undefined, close() {} };
  }
}

function removeEmpty(path: string): void {
  try {
    if (statSync(path).isDirectory()) rmdirSync(path);
    else if (statSync(path).size === 0) rmSync(path);
  } catch {
    // not empty or gone
  }
}
