/**
 * Test fixture for the streaming tests: a REAL containerd under a temp data dir, and one busybox pod
 * on a private bridge network (`lst<random>`, 10.251.X.0/24) whose container serves
 * `/tmp/www/index.html` ("hello-from-pod\n") with `busybox httpd` on ports 8080 and 8081 and otherwise sleeps;
 * plus a second container, "cat", running `cat` with stdin open (for attach).
 * Needs root, containerd, runc, the CNI plugins and busybox-static.
 *
 * `stop()` removes what `startTestPod` made: the sandbox through CRI, containerd (by its PID),
 * shims of this containerd still alive (by PID), mounts under the temp dir, the bridge, the
 * cgroups, the dir.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import type { Logger } from "@lite/sdk";
import { startContainerd, type ContainerdHandle } from "../containerd/supervisor.ts";
import { createCriClient } from "../cri/client.ts";
import type { ContainerConfig, CriClient, PodSandboxConfig } from "../cri/types.ts";
import { BUSYBOX_IMAGE, SANDBOX_IMAGE, ensureBuiltinLayout } from "../images/builtin-images.ts";
import { agentPaths } from "../paths.ts";

export interface TestPod {
  cri: CriClient;
  sandboxId: string;
  /** The httpd container. */
  containerId: string;
  /** The `cat` container (stdin open, stdinOnce). */
  catId: string;
  stop(): Promise<void>;
}

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

export async function startTestPod(): Promise<TestPod> {
  const rand = Math.random().toString(16).slice(2, 8);
  const bridge = `lst${rand}`;
  const subnet = `10.251.${freeSubnetOctet()}`;
  const cgroupParent = `/lite-stream-${rand}`;
  const dir = mkdtempSync(`${tmpdir()}/lite-stream-`);
  let containerd: ContainerdHandle | undefined;
  let cri: CriClient | undefined;
  let sandboxId = "";
  const stop = async () => {
    try {
      if (cri) {
        if (sandboxId) {
          await cri.stopPodSandbox(sandboxId).catch(() => {});
          await cri.removePodSandbox(sandboxId).catch(() => {});
        }
        cri.close();
      }
    } finally {
      const socket = containerd?.socket;
      await containerd?.stop();
      if (socket) killShimsOf(socket);
      unmountUnder(dir);
      Bun.spawnSync(["ip", "link", "del", bridge], { stderr: "ignore" });
      removeCgroups(cgroupParent);
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    const paths = agentPaths(dir);
    mkdirSync(paths.cniConfDir, { recursive: true });
    writeFileSync(
      `${paths.cniConfDir}/10-lst.conflist`,
      JSON.stringify({
        cniVersion: "0.4.0",
        name: "lst",
        plugins: [{ type: "bridge", bridge, isGateway: true, ipMasq: false, ipam: { type: "host-local", ranges: [[{ subnet: `${subnet}.0/24` }]], dataDir: `${dir}/cni-ipam` } }],
      }),
    );
    containerd = await startContainerd({ paths, log: quiet, sandboxImage: SANDBOX_IMAGE });
    const layout = ensureBuiltinLayout(paths);
    const snapshotter = /snapshotter = "(\w+)"/.exec(readFileSync(paths.containerdConfig, "utf8"))?.[1] ?? "overlayfs";
    const imp = Bun.spawnSync(["ctr", "-a", containerd.socket, "-n", "k8s.io", "images", "import", "--snapshotter", snapshotter, layout.file]);
    if (imp.exitCode !== 0) throw new Error(`ctr import: ${imp.stderr.toString()}`);
    cri = createCriClient(`unix://${containerd.socket}`);
    for (let i = 0; i < 50 && !(await cri.status()).conditions.every((c) => c.status); i++) await Bun.sleep(100);
    const podLogDir = `${paths.podLogsDir}/default_stream_uid-${rand}`;
    for (const name of ["c", "cat"]) mkdirSync(`${podLogDir}/${name}`, { recursive: true });
    const sandbox: PodSandboxConfig = {
      metadata: { name: "stream", uid: `uid-${rand}`, namespace: "default", attempt: 0 },
      hostname: "stream",
      logDirectory: podLogDir,
      linux: { cgroupParent, securityContext: { namespaceOptions: { network: "POD", pid: "CONTAINER", ipc: "POD" } } },
    };
    sandboxId = await cri.runPodSandbox(sandbox);
    const container = async (config: ContainerConfig) => {
      const id = await cri!.createContainer(sandboxId, config, sandbox);
      await cri!.startContainer(id);
      return id;
    };
    const script = "mkdir -p /tmp/www && echo hello-from-pod > /tmp/www/index.html && httpd -p 8080 -h /tmp/www && httpd -p 8081 -h /tmp/www && while :; do sleep 1; done";
    const containerId = await container({ metadata: { name: "c", attempt: 0 }, image: { image: BUSYBOX_IMAGE }, command: ["sh", "-c", script], logPath: "c/0.log" });
    const catId = await container({ metadata: { name: "cat", attempt: 0 }, image: { image: BUSYBOX_IMAGE }, command: ["cat"], stdin: true, stdinOnce: true, logPath: "cat/0.log" });
    return { cri, sandboxId, containerId, catId, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

function freeSubnetOctet(): number {
  const routes = Bun.spawnSync(["ip", "-4", "route", "show"]).stdout.toString();
  for (;;) {
    const x = 1 + Math.floor(Math.random() * 254);
    if (!routes.includes(`10.251.${x}.`)) return x;
  }
}

/** SIGKILLs the shims of the containerd on `socket` that outlived it, and their descendants. */
function killShimsOf(socket: string) {
  const procs: { pid: number; ppid: number; argv: string[] }[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0").filter(Boolean);
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      procs.push({ pid: Number(name), ppid: Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]), argv });
    } catch {
      // exited meanwhile
    }
  }
  const doomed = new Set(procs.filter((p) => /containerd-shim/.test(p.argv[0] ?? "") && p.argv.includes(socket)).map((p) => p.pid));
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs) if (doomed.has(p.ppid) && !doomed.has(p.pid)) (doomed.add(p.pid), (grew = true));
  }
  for (const pid of [...doomed].reverse()) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

function removeCgroups(parent: string) {
  for (const h of readdirSync("/sys/fs/cgroup")) {
    const root = `/sys/fs/cgroup/${h}${parent}`;
    if (!existsSync(root)) continue;
    const dirs = Bun.spawnSync(["find", root, "-depth", "-type", "d"]).stdout.toString().split("\n").filter(Boolean);
    for (const d of dirs) Bun.spawnSync(["rmdir", d], { stderr: "ignore" });
  }
}

function unmountUnder(root: string) {
  const points = readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[4] ?? "")
    .filter((p) => p === root || p.startsWith(`${root}/`));
  for (const p of points.sort((a, b) => b.length - a.length)) Bun.spawnSync(["umount", "-l", p], { stderr: "ignore" });
}
