/**
 * The generated configs against a real containerd: a pod built by buildSandboxConfig, resolveEnv
 * and buildContainerConfig runs, and inside it the DNS, hostname, /etc/hosts, env, user and
 * groups, capabilities, no-new-privileges, read-only root, masked paths, sysctl, cgroup limits
 * and the termination message file are what the spec asked for. Needs root, containerd, runc,
 * the CNI plugins and busybox-static.
 *
 * Cleans up what it started: the sandbox through CRI, then containerd (by its PID), any shim of
 * this containerd still alive (by PID), mounts under the temp dir, the test bridge, its cgroups,
 * the dir.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import type { Logger } from "@lite/sdk";
import { startContainerd, type ContainerdHandle } from "../../containerd/supervisor.ts";
import { createCriClient } from "../../cri/client.ts";
import type { CriClient, PodSandboxConfig } from "../../cri/types.ts";
import { BUSYBOX_IMAGE, SANDBOX_IMAGE, ensureBuiltinLayout } from "../../images/builtin-images.ts";
import { agentPaths, podLogDirectory, type AgentPaths } from "../../paths.ts";
import { buildContainerConfig } from "./container.ts";
import { resolveEnv } from "./env.ts";
import { buildSandboxConfig } from "./sandbox.ts";
import type { Container, Pod } from "./types.ts";

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
const rand = Math.random().toString(16).slice(2, 8);
const bridge = `litespec${rand.slice(0, 6)}`;
const subnet = `10.251.${freeSubnetOctet()}`;
const cgroupParent = `/lite-spec-${rand}`;

let dir: string;
let paths: AgentPaths;
let containerd: ContainerdHandle;
let cri: CriClient;

const container: Container = {
  name: "app",
  image: "busybox",
  command: ["sh", "-c"],
  args: ["echo $(GREETING) > /dev/termination-log; trap 'exit 0' TERM; while :; do sleep 1; done"],
  env: [
    { name: "GREETING", valueFrom: { configMapKeyRef: { name: "cfg", key: "greeting" } } },
    { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
    { name: "MEM_MI", valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1Mi" } } },
  ],
  resources: { requests: { cpu: "250m", memory: "32Mi" }, limits: { cpu: "500m", memory: "64Mi" } },
  securityContext: { capabilities: { add: ["NET_BIND_SERVICE"], drop: ["ALL"] }, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsGroup: 3000 },
  terminationMessagePath: "/dev/termination-log",
  terminationMessagePolicy: "File",
};

const pod: Pod = {
  metadata: { name: "web-0", namespace: "ns1", uid: `uid-${rand}`, labels: { test: rand } },
  spec: {
    containers: [container],
    subdomain: "web",
    hostAliases: [{ ip: "10.9.9.9", hostnames: ["alias.test"] }],
    securityContext: { runAsUser: 1000, runAsNonRoot: true, fsGroup: 2000, supplementalGroups: [4000], sysctls: [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }] },
    terminationGracePeriodSeconds: 5,
  },
};

beforeAll(async () => {
  dir = mkdtempSync(`${tmpdir()}/lite-spec-`);
  paths = agentPaths(dir);
  mkdirSync(paths.cniConfDir, { recursive: true });
  writeFileSync(`${paths.cniConfDir}/10-litespec.conflist`, JSON.stringify({
    cniVersion: "0.4.0",
    name: "litespec",
    plugins: [{ type: "bridge", bridge, isGateway: true, ipMasq: false, ipam: { type: "host-local", ranges: [[{ subnet: `${subnet}.0/24` }]], dataDir: `${dir}/cni-ipam` } }],
  }));
  writeFileSync(`${dir}/resolv.conf`, `nameserver ${subnet}.1\nsearch corp.test\n`);
  containerd = await startContainerd({ paths, log: quiet, sandboxImage: SANDBOX_IMAGE });
  const layout = ensureBuiltinLayout(paths);
  const snapshotter = /snapshotter = "(\w+)"/.exec(readFileSync(paths.containerdConfig, "utf8"))?.[1] ?? "overlayfs";
  const imp = Bun.spawnSync(["ctr", "-a", containerd.socket, "-n", "k8s.io", "images", "import", "--snapshotter", snapshotter, layout.file]);
  if (imp.exitCode !== 0) throw new Error(`ctr import: ${imp.stderr.toString()}`);
  cri = createCriClient(`unix://${containerd.socket}`);
  for (let i = 0; i < 50 && !(await cri.status()).conditions.every((c) => c.status); i++) await Bun.sleep(100);
}, 60_000);

afterAll(async () => {
  try {
    if (cri) {
      for (const sb of await cri.listPodSandbox().catch(() => [])) {
        await cri.stopPodSandbox(sb.id).catch(() => {});
        await cri.removePodSandbox(sb.id).catch(() => {});
      }
      cri.close();
    }
  } finally {
    const socket = containerd?.socket;
    await containerd?.stop();
    if (socket) killShimsOf(socket);
    if (dir) unmountUnder(dir);
    Bun.spawnSync(["ip", "link", "del", bridge], { stderr: "ignore" });
    removeCgroups(cgroupParent);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

describe("spec translation on containerd", () => {
  let containerId = "";
  let podIP = "";
  let podDir = "";

  test("sandbox and container run; the container sees what the spec asked for", async () => {
    const logDirectory = podLogDirectory(paths, "ns1", "web-0", pod.metadata.uid!);
    mkdirSync(`${logDirectory}/app`, { recursive: true });
    const built = buildSandboxConfig(pod, { attempt: 0, logDirectory, cluster: { clusterDNS: "10.43.0.10", clusterDomain: "cluster.local" }, hostResolvConf: `${dir}/resolv.conf` });
    // The test's own cgroup parent, so that teardown can remove exactly what it created.
    const sandboxConfig: PodSandboxConfig = { ...built, linux: { ...built.linux, cgroupParent } };
    const sandboxId = await cri.runPodSandbox(sandboxConfig);
    podIP = (await cri.podSandboxStatus(sandboxId)).network?.ip ?? "";
    expect(podIP.startsWith(`${subnet}.`)).toBe(true);

    const env = await resolveEnv(pod, container, {
      getConfigMap: async (_ns, name) => (name === "cfg" ? { metadata: { name }, data: { greeting: "hello-from-cm" } } : undefined),
      getSecret: async () => undefined,
      serviceEnv: async () => [{ key: "KUBERNETES_SERVICE_HOST", value: "10.43.0.1" }],
      hostIPs: [`${subnet}.1`],
      podIPs: [podIP],
      nodeAllocatable: { cpu: "2", memory: "2Gi" },
    });
    podDir = `${paths.podsDir}/${pod.metadata.uid}`;
    mkdirSync(podDir, { recursive: true });
    const config = buildContainerConfig(pod, container, {
      restartCount: 0, env, mounts: [], logPath: "app/0.log", podDir, podIPs: [podIP], clusterDomain: "cluster.local",
      nodeMemoryCapacity: 4 * 1024 ** 3, imageUser: "",
    });
    containerId = await cri.createContainer(sandboxId, config, sandboxConfig);
    await cri.startContainer(containerId);
    expect((await cri.containerStatus(containerId)).state).toBe("CONTAINER_RUNNING");
  }, 30_000);

  const sh = async (script: string) => {
    const r = await cri.execSync(containerId, ["sh", "-c", script], 10);
    return { out: new TextDecoder().decode(r.stdout), code: r.exitCode };
  };

  test("DNS, hostname and /etc/hosts", async () => {
    expect((await sh("cat /etc/resolv.conf")).out).toBe("search ns1.svc.cluster.local svc.cluster.local cluster.local corp.test\nnameserver 10.43.0.10\noptions ndots:5\n");
    expect((await sh("hostname")).out).toBe("web-0\n");
    const hosts = (await sh("cat /etc/hosts")).out;
    expect(hosts).toStartWith("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n");
    expect(hosts).toContain(`${podIP}\tweb-0.web.ns1.svc.cluster.local\tweb-0\n`);
    expect(hosts).toEndWith("# Entries added by HostAliases.\n10.9.9.9\talias.test\n");
  });

  test("environment and expanded args", async () => {
    const env = (await sh("env")).out;
    for (const line of ["GREETING=hello-from-cm", `POD_IP=${podIP}`, "MEM_MI=64", "KUBERNETES_SERVICE_HOST=10.43.0.1"]) expect(env).toContain(`${line}\n`);
    const termination = readdirSync(`${podDir}/containers/app`);
    expect(termination).toHaveLength(1);
    expect(readFileSync(`${podDir}/containers/app/${termination[0]}`, "utf8")).toBe("hello-from-cm\n");
  });

  test("user, groups, capabilities, no_new_privs, read-only root, masked paths, sysctl", async () => {
    expect((await sh("id -u; id -g; id -G")).out).toBe("1000\n3000\n3000 2000 4000\n");
    const status = (await sh("grep -E '^(CapBnd|NoNewPrivs)' /proc/self/status")).out;
    // Names as the API writes them (no CAP_ prefix): all dropped but NET_BIND_SERVICE (bit 10).
    expect(status).toMatch(/CapBnd:\s+0000000000000400\n/);
    expect(status).toMatch(/NoNewPrivs:\s+1\n/);
    expect((await sh("touch /probe 2>/dev/null")).code).not.toBe(0);
    expect((await sh("wc -c < /proc/keys")).out.trim()).toBe("0");
    expect((await sh("cat /proc/sys/net/ipv4/ip_unprivileged_port_start")).out).toBe("0\n");
  });

  test("cgroup limits and oom score", async () => {
    expect((await sh("cat /sys/fs/cgroup/memory/memory.limit_in_bytes")).out.trim()).toBe(String(64 * 1024 * 1024));
    expect((await sh("cat /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us")).out).toBe("256\n50000\n100000\n");
    // Burstable: 1000 - 1000 × 32Mi / 4Gi.
    expect((await sh("cat /proc/1/oom_score_adj")).out.trim()).toBe("993");
  });
});

/** A 10.251.X.0/24 no route on this machine uses yet. */
function freeSubnetOctet(): number {
  const routes = Bun.spawnSync(["ip", "-4", "route", "show"]).stdout.toString();
  for (;;) {
    const x = 1 + Math.floor(Math.random() * 254);
    if (!routes.includes(`10.251.${x}.`)) return x;
  }
}

/** SIGKILLs the shims of the containerd on `socket` that outlived it, and their children. */
function killShimsOf(socket: string) {
  const procs: { pid: number; ppid: number; argv: string[] }[] = [];
  for (const name of Bun.spawnSync(["ls", "/proc"]).stdout.toString().split("\n")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0").filter(Boolean);
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      procs.push({ pid: Number(name), ppid: Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]), argv });
    } catch {
      // gone meanwhile
    }
  }
  const doomed = new Set(procs.filter((p) => /containerd-shim/.test(p.argv[0] ?? "") && p.argv.includes(socket)).map((p) => p.pid));
  for (let grew = true; grew;) {
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

/** Removes the (by now empty) cgroup directories named `parent` in every hierarchy, deepest first. */
function removeCgroups(parent: string) {
  for (const h of Bun.spawnSync(["ls", "/sys/fs/cgroup"]).stdout.toString().split("\n").filter(Boolean)) {
    const root = `/sys/fs/cgroup/${h}${parent}`;
    if (!existsSync(root)) continue;
    for (const d of Bun.spawnSync(["find", root, "-depth", "-type", "d"]).stdout.toString().split("\n").filter(Boolean)) Bun.spawnSync(["rmdir", d], { stderr: "ignore" });
  }
}

/** Lazily unmounts every mount point under `root`, deepest first. */
function unmountUnder(root: string) {
  const points = readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => l.split(" ")[4] ?? "").filter((p) => p === root || p.startsWith(`${root}/`));
  for (const p of points.sort((a, b) => b.length - a.length)) Bun.spawnSync(["umount", "-l", p], { stderr: "ignore" });
}
