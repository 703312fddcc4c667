/**
 * The CRI client against a real containerd (one for the whole file, under a temp data dir):
 * images, a pod sandbox on a private bridge network, containers, exec, streaming URLs, stats,
 * and teardown. Needs root, containerd, runc, the CNI plugins and busybox-static.
 *
 * containerd, the bridge network and the cleanup come from the shared containerd fixture.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { BUSYBOX_IMAGE, SANDBOX_IMAGE } from "../images/builtin-images.ts";
import type { AgentPaths } from "../paths.ts";
import { startContainerdFixture, type ContainerdFixture } from "../testing/containerd-fixture.ts";
import { CriError, GrpcCode, type ContainerConfig, type CriClient, type PodSandboxConfig } from "./types.ts";

let fx: ContainerdFixture;
let rand: string;
let subnet: string;
/** Our own cgroup parent (cgroupfs driver), so teardown can remove exactly what this file created. */
let cgroupParent: string;
let paths: AgentPaths;
let cri: CriClient;
let podLogDir: string;

const sandboxConfig = (): PodSandboxConfig => ({
  metadata: { name: "crit", uid: `uid-${rand}`, namespace: "default", attempt: 0 },
  hostname: "crit",
  logDirectory: podLogDir,
  labels: { "io.kubernetes.pod.name": "crit", test: rand },
  annotations: { "lite.test/run": rand },
  linux: { cgroupParent, securityContext: { namespaceOptions: { network: "POD", pid: "CONTAINER", ipc: "POD" } } },
});

const containerConfig = (name: string, script: string): ContainerConfig => ({
  metadata: { name, attempt: 0 },
  image: { image: BUSYBOX_IMAGE },
  command: ["sh", "-c", script],
  envs: [{ key: "GREETING", value: "hi" }],
  labels: { "io.kubernetes.container.name": name },
  logPath: `${name}/0.log`,
});

beforeAll(async () => {
  fx = await startContainerdFixture({ name: "crit", subnetPrefix: "10.250" });
  ({ rand, subnet, cgroupParent, paths, cri } = fx);
  podLogDir = `${paths.podLogsDir}/default_crit_uid-${rand}`;
  for (const name of ["c", "quit"]) mkdirSync(`${podLogDir}/${name}`, { recursive: true });
}, 60_000);

afterAll(async () => {
  await fx?.stop();
}, 60_000);

describe("CRI client against containerd", () => {
  let sandboxId = "";
  let containerId = "";

  test("Version and Status", async () => {
    const v = await cri.version();
    expect(v).toMatchObject({ runtimeName: "containerd", runtimeApiVersion: "v1" });
    expect(v.runtimeVersion).toMatch(/^1\./);
    // NetworkReady follows the CNI conf written before start; allow the plugin a moment.
    let conditions = (await cri.status()).conditions;
    for (let i = 0; i < 50 && !conditions.every((c) => c.status); i++) {
      await Bun.sleep(100);
      conditions = (await cri.status()).conditions;
    }
    expect(conditions.map((c) => [c.type, c.status])).toEqual([["RuntimeReady", true], ["NetworkReady", true]]);
  });

  test("ListImages, ImageStatus (present and missing), ImageFsInfo", async () => {
    const images = await cri.listImages();
    const busybox = images.find((i) => i.repoTags.includes(BUSYBOX_IMAGE));
    expect(busybox?.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(busybox!.size).toBeGreaterThan(100_000);
    expect(images.some((i) => i.repoTags.includes(SANDBOX_IMAGE))).toBe(true);
    expect((await cri.imageStatus(BUSYBOX_IMAGE))?.id).toBe(busybox!.id);
    // Short names are normalised by the runtime, as for kubectl's `--image=busybox`.
    expect((await cri.imageStatus("busybox"))?.id).toBe(busybox!.id);
    expect(await cri.imageStatus("docker.io/library/nope:1")).toBeUndefined();
    const fs = await cri.imageFsInfo();
    expect(fs.length).toBeGreaterThan(0);
    expect(fs[0]!.fsId.mountpoint.startsWith(paths.containerdRoot)).toBe(true);
    // containerd refreshes snapshot usage in the background: present, possibly still 0.
    expect(fs[0]!.usedBytes?.value).toBeGreaterThanOrEqual(0);
  });

  test("PullImage of an unreachable registry rejects with the runtime's message", async () => {
    const err = await cri.pullImage("127.0.0.1:1/nope:1").catch((e) => e);
    expect(err).toBeInstanceOf(CriError);
    expect(err.method).toBe("PullImage");
    expect(err.code).not.toBe(0);
    expect(err.details).toContain("127.0.0.1:1/nope:1");
    expect(err.details).toMatch(/connection refused/);
    // Removing an image that is not there is not an error (CRI: idempotent).
    await cri.removeImage("docker.io/library/nope:1");
  });

  test("RunPodSandbox on the bridge network; PodSandboxStatus; ListPodSandbox", async () => {
    const t0 = performance.now();
    sandboxId = await cri.runPodSandbox(sandboxConfig());
    const ms = performance.now() - t0;
    console.log(`RunPodSandbox: ${ms.toFixed(0)} ms`);
    expect(sandboxId).toMatch(/^[0-9a-f]{64}$/);
    const st = await cri.podSandboxStatus(sandboxId);
    expect(st).toMatchObject({
      id: sandboxId, state: "SANDBOX_READY",
      metadata: { name: "crit", uid: `uid-${rand}`, namespace: "default", attempt: 0 },
      labels: { test: rand }, annotations: { "lite.test/run": rand },
    });
    expect(st.network?.ip.startsWith(`${subnet}.`)).toBe(true);
    expect(st.linux?.namespaces?.options).toMatchObject({ network: "POD", pid: "CONTAINER", ipc: "POD" });
    expect(st.createdAt).toBeGreaterThan(Date.now() * 1e6 - 60e9);
    const listed = await cri.listPodSandbox({ labelSelector: { test: rand }, state: { state: "SANDBOX_READY" } });
    expect(listed.map((s) => s.id)).toEqual([sandboxId]);
    expect(await cri.listPodSandbox({ id: sandboxId, state: { state: "SANDBOX_NOTREADY" } })).toEqual([]);
  });

  test("CreateContainer + StartContainer; ContainerStatus running; the log file", async () => {
    const t0 = performance.now();
    containerId = await cri.createContainer(sandboxId, containerConfig("c", "trap '' TERM; echo $GREETING; sleep 30"), sandboxConfig());
    await cri.startContainer(containerId);
    console.log(`CreateContainer+StartContainer: ${(performance.now() - t0).toFixed(0)} ms`);
    const st = await cri.containerStatus(containerId);
    expect(st).toMatchObject({ id: containerId, state: "CONTAINER_RUNNING", metadata: { name: "c", attempt: 0 }, exitCode: 0, finishedAt: 0 });
    expect(st.startedAt).toBeGreaterThan(0);
    expect(st.imageRef).toMatch(/sha256:/);
    expect(st.logPath).toBe(`${podLogDir}/c/0.log`);
    const listed = await cri.listContainers({ podSandboxId: sandboxId, state: { state: "CONTAINER_RUNNING" } });
    expect(listed.map((c) => c.id)).toEqual([containerId]);
    expect(listed[0]).toMatchObject({ podSandboxId: sandboxId, state: "CONTAINER_RUNNING", labels: { "io.kubernetes.container.name": "c" } });
    // CRI log format: "<RFC3339Nano> stdout F hi".
    const log = await waitFor(() => {
      const text = existsSync(st.logPath) ? readFileSync(st.logPath, "utf8") : "";
      return text.includes(" stdout F hi\n") ? text : undefined;
    });
    expect(log).toMatch(/^\S+Z stdout F hi\n$/);
  });

  test("ExecSync: stdout, stderr, exit codes, timeout", async () => {
    const ok = await cri.execSync(containerId, ["sh", "-c", "echo $((1+2))"], 5);
    expect(new TextDecoder().decode(ok.stdout)).toBe("3\n");
    expect(ok.exitCode).toBe(0);
    const bad = await cri.execSync(containerId, ["sh", "-c", "echo oops >&2; exit 7"], 5);
    expect(bad.exitCode).toBe(7);
    expect(new TextDecoder().decode(bad.stderr)).toBe("oops\n");
    expect(bad.stdout.length).toBe(0);
    // The runtime enforces the exec's own timeout; the call ends soon after it.
    const t0 = performance.now();
    const late = await cri.execSync(containerId, ["sleep", "20"], 1).then((r) => r, (e) => e);
    expect(performance.now() - t0).toBeLessThan(8_000);
    expect(late).toBeInstanceOf(CriError);
    expect(late).toMatchObject({ method: "ExecSync", code: GrpcCode.DEADLINE_EXCEEDED });
    expect(late.details).toContain("timeout 1s exceeded");
    // A missing binary is an error of the runtime (containerd: UNKNOWN), not an exit code.
    const missing = await cri.execSync(containerId, ["/no/such/binary"], 5).then((r) => r, (e) => e);
    expect(missing).toBeInstanceOf(CriError);
    expect(missing.details).toContain("no such file or directory");
  });

  test("Exec, Attach and PortForward hand out streaming URLs on loopback", async () => {
    const exec = await cri.exec({ containerId, cmd: ["sh"], tty: false, stdin: true, stdout: true, stderr: true });
    expect(exec).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/exec\/[\w-]+$/);
    const attach = await cri.attach({ containerId, tty: false, stdin: false, stdout: true, stderr: true });
    expect(attach).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/attach\/[\w-]+$/);
    const pf = await cri.portForward({ podSandboxId: sandboxId, port: [80] });
    expect(pf).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/portforward\/[\w-]+$/);
  });

  test("ListContainerStats has cpu and memory; UpdateContainerResources; ReopenContainerLog", async () => {
    const stats = await cri.listContainerStats({ podSandboxId: sandboxId });
    const s = stats.find((x) => x.attributes.id === containerId);
    expect(s?.attributes.metadata).toEqual({ name: "c", attempt: 0 });
    expect(s?.cpu?.usageCoreNanoSeconds?.value).toBeGreaterThan(0);
    expect(s?.cpu?.timestamp).toBeGreaterThan(0);
    expect(s?.memory?.workingSetBytes?.value).toBeGreaterThan(0);
    expect(s?.memory?.pageFaults?.value).toBeGreaterThan(0);
    expect(s?.writableLayer?.fsId?.mountpoint).toBeTruthy();

    await cri.updateContainerResources(containerId, { cpuShares: 512, memoryLimitInBytes: 64 * 1024 * 1024 });
    const limit = await cri.execSync(containerId, ["cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes"], 5);
    expect(new TextDecoder().decode(limit.stdout).trim()).toBe(String(64 * 1024 * 1024));

    await cri.reopenContainerLog(containerId);
  });

  test("a container that exits on its own: EXITED with its exit code and reason", async () => {
    const id = await cri.createContainer(sandboxId, containerConfig("quit", "echo bye >&2; exit 3"), sandboxConfig());
    expect((await cri.containerStatus(id)).state).toBe("CONTAINER_CREATED");
    await cri.startContainer(id);
    const st = await waitFor(async () => {
      const s = await cri.containerStatus(id);
      return s.state === "CONTAINER_EXITED" ? s : undefined;
    });
    expect(st).toMatchObject({ exitCode: 3, reason: "Error" });
    // Both set; for a container this short containerd may record finishedAt a hair BEFORE
    // startedAt (it stamps the start after the task already ran), so no order is asserted.
    expect(st.startedAt).toBeGreaterThan(0);
    expect(st.finishedAt).toBeGreaterThan(0);
    expect(readFileSync(st.logPath, "utf8")).toMatch(/ stderr F bye\n$/);
    await cri.removeContainer(id);
  });

  test("StopContainer: SIGTERM, SIGKILL after the grace period; EXITED 137; RemoveContainer", async () => {
    // The container ignores SIGTERM (trap ''), so the runtime kills it after the 1 s grace period.
    const t0 = performance.now();
    await cri.stopContainer(containerId, 1);
    expect(performance.now() - t0).toBeGreaterThan(900);
    const st = await cri.containerStatus(containerId);
    expect(st).toMatchObject({ state: "CONTAINER_EXITED", exitCode: 137, reason: "Error" });
    expect(st.finishedAt).toBeGreaterThan(st.startedAt);
    await cri.removeContainer(containerId);
    const gone = await cri.containerStatus(containerId).catch((e) => e);
    expect(gone).toBeInstanceOf(CriError);
    expect(gone.code).toBe(GrpcCode.NOT_FOUND);
    expect(await cri.listContainers({ podSandboxId: sandboxId })).toEqual([]);
  });

  test("StopPodSandbox, RemovePodSandbox", async () => {
    await cri.stopPodSandbox(sandboxId);
    expect((await cri.podSandboxStatus(sandboxId)).state).toBe("SANDBOX_NOTREADY");
    await cri.removePodSandbox(sandboxId);
    const gone = await cri.podSandboxStatus(sandboxId).catch((e) => e);
    expect(gone).toMatchObject({ code: GrpcCode.NOT_FOUND });
    expect(await cri.listPodSandbox()).toEqual([]);
    // Removal is idempotent, as the kubelet relies on.
    await cri.removePodSandbox(sandboxId);
  });
});

/** Polls `probe` every 50 ms until it yields a value (5 s at most). */
async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await Bun.sleep(50);
  }
}
