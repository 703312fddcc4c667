/**
 * The generated configs against a real containerd: a pod built by buildSandboxConfig, resolveEnv
 * and buildContainerConfig runs, and inside it the DNS, hostname, /etc/hosts, env, user and
 * groups, capabilities, no-new-privileges, read-only root, masked paths, sysctl, cgroup limits
 * and the termination message file are what the spec asked for. Needs root, containerd, runc,
 * the CNI plugins and busybox-static.
 *
 * containerd, the bridge network and the cleanup come from the shared containerd fixture.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import type { CriClient, PodSandboxConfig } from "../../cri/types.ts";
import { podLogDirectory, type AgentPaths } from "../../paths.ts";
import { startContainerdFixture, type ContainerdFixture } from "../../testing/containerd-fixture.ts";
import { buildContainerConfig } from "./container.ts";
import { resolveEnv } from "./env.ts";
import { buildSandboxConfig } from "./sandbox.ts";
import type { Container, Pod } from "./types.ts";

const rand = Math.random().toString(16).slice(2, 8);

let fx: ContainerdFixture;
let dir: string;
let subnet: string;
let cgroupParent: string;
let paths: AgentPaths;
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
  fx = await startContainerdFixture({ name: "spec" });
  ({ dir, subnet, cgroupParent, paths, cri } = fx);
  writeFileSync(`${dir}/resolv.conf`, `nameserver ${subnet}.1\nsearch corp.test\n`);
}, 60_000);

afterAll(async () => {
  await fx?.stop();
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
