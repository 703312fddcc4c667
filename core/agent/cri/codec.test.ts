import { describe, expect, test } from "bun:test";
import { criMethod } from "./codec.ts";
import type { ContainerConfig, PodSandboxConfig } from "./types.ts";

const bytes = (b: Buffer) => [...b];
const utf8 = (s: string) => [...new TextEncoder().encode(s)];

const sandbox: PodSandboxConfig = {
  metadata: { name: "web", uid: "u-1", namespace: "default", attempt: 2 },
  hostname: "web",
  logDirectory: "/var/log/pods/default_web_u-1",
  dnsConfig: { servers: ["10.43.0.10"], searches: ["default.svc.cluster.local"], options: ["ndots:5"] },
  portMappings: [{ protocol: "UDP", containerPort: 53, hostPort: 1053, hostIp: "127.0.0.1" }],
  labels: { app: "web" },
  annotations: { note: "x" },
  linux: {
    cgroupParent: "/kubepods/besteffort/podu-1",
    securityContext: {
      namespaceOptions: { network: "NODE", pid: "CONTAINER", ipc: "POD" },
      runAsUser: { value: 1000 },
      runAsGroup: { value: 3000 },
      supplementalGroups: [4000, 5000],
      seccomp: { profileType: "RuntimeDefault" },
    },
    sysctls: { "net.ipv4.ip_unprivileged_port_start": "0" },
  },
};

const container: ContainerConfig = {
  metadata: { name: "c", attempt: 1 },
  image: { image: "docker.io/library/busybox:latest" },
  command: ["sh", "-c"],
  args: ["echo $(A)"],
  workingDir: "/tmp",
  envs: [{ key: "A", value: "b=c" }],
  mounts: [{ containerPath: "/data", hostPath: "/srv/data", readonly: true, propagation: "PROPAGATION_HOST_TO_CONTAINER" }],
  labels: { l: "1" },
  logPath: "c/1.log",
  stdin: true,
  tty: true,
  linux: {
    resources: { cpuPeriod: 100000, cpuQuota: 50000, cpuShares: 512, memoryLimitInBytes: 64 * 1024 * 1024, oomScoreAdj: 1000 },
    securityContext: {
      capabilities: { addCapabilities: ["NET_ADMIN"], dropCapabilities: ["ALL"] },
      runAsUser: { value: 0 },
      readonlyRootfs: true,
      noNewPrivs: true,
      maskedPaths: ["/proc/kcore"],
      readonlyPaths: ["/proc/sys"],
      seccomp: { profileType: "Localhost", localhostRef: "/p.json" },
    },
  },
};

describe("CRI codec: field numbers on the wire", () => {
  test("ExecSyncRequest: container_id=1, cmd=2 (repeated), timeout=3 (varint)", () => {
    const m = criMethod("RuntimeService", "ExecSync");
    expect(m.path).toBe("/runtime.v1.RuntimeService/ExecSync");
    expect(bytes(m.encodeRequest({ containerId: "abc", cmd: ["echo", "hi"], timeout: 5 }))).toEqual([
      0x0a, 3, ...utf8("abc"), 0x12, 4, ...utf8("echo"), 0x12, 2, ...utf8("hi"), 0x18, 5,
    ]);
  });

  test("AttachRequest keeps upstream's order: stdin=2 before tty=3", () => {
    // Fields given explicitly are written even when zero (valid proto3; decoders read them as unset).
    const m = criMethod("RuntimeService", "Attach");
    expect(bytes(m.encodeRequest({ containerId: "x", stdin: true, tty: false, stdout: true }))).toEqual([
      0x0a, 1, ...utf8("x"), 0x10, 1, 0x18, 0, 0x20, 1,
    ]);
    const e = criMethod("RuntimeService", "Exec");
    expect(bytes(e.encodeRequest({ containerId: "x", cmd: [], tty: true, stdin: true }))).toEqual([
      0x0a, 1, ...utf8("x"), 0x18, 1, 0x20, 1,
    ]);
  });

  test("enums travel as numbers: RunPodSandbox runtime_handler=2, NamespaceMode NODE=2", () => {
    const m = criMethod("RuntimeService", "RunPodSandbox");
    const ns = { metadata: { name: "p", uid: "u", namespace: "n", attempt: 0 }, linux: { securityContext: { namespaceOptions: { network: "NODE" } } } };
    // config(1){ metadata(1){name,uid,namespace,attempt(4)} linux(8){ security_context(2){ namespace_options(1){ network(1)=2 } } } }, runtime_handler(2)
    const metadata = [0x0a, 1, ...utf8("p"), 0x12, 1, ...utf8("u"), 0x1a, 1, ...utf8("n"), 0x20, 0];
    const linux = [0x12, 4, 0x0a, 2, 0x08, 2];
    const config = [0x0a, metadata.length, ...metadata, 0x42, linux.length, ...linux];
    expect(bytes(m.encodeRequest({ config: ns, runtimeHandler: "runc" }))).toEqual([0x0a, config.length, ...config, 0x12, 4, ...utf8("runc")]);
  });

  test("ContainerStatusResponse decodes from upstream's numbers (exit_code=7, reason=10, log_path=15)", () => {
    const m = criMethod("RuntimeService", "ContainerStatus");
    const status = [0x0a, 2, ...utf8("id"), 0x18, 2, 0x38, 137, 1, 0x52, 9, ...utf8("OOMKilled"), 0x7a, 5, ...utf8("x.log")];
    const res = m.decodeResponse(Buffer.from([0x0a, status.length, ...status])) as { status: Record<string, unknown> };
    expect(res.status).toMatchObject({ id: "id", state: "CONTAINER_EXITED", exitCode: 137, reason: "OOMKilled", logPath: "x.log", startedAt: 0, labels: {} });
    expect(res.status.metadata).toBeUndefined();
  });
});

describe("CRI codec: round trips in the types.ts shapes", () => {
  test("CreateContainerRequest with every field the kubelet sets", () => {
    const m = criMethod("RuntimeService", "CreateContainer");
    const req = { podSandboxId: "sb", config: container, sandboxConfig: sandbox };
    const back = m.decodeRequest(m.encodeRequest(req));
    expect(back).toMatchObject(req);
  });

  test("int64 nanosecond timestamps and uint64 stats come back as numbers", () => {
    const m = criMethod("RuntimeService", "ListContainerStats");
    const ts = 1_700_000_000_123_456_000;
    const stats = [{
      attributes: { id: "c1", metadata: { name: "c", attempt: 0 }, labels: {}, annotations: {} },
      cpu: { timestamp: ts, usageCoreNanoSeconds: { value: 123_456_789_012 } },
      memory: { timestamp: ts, workingSetBytes: { value: 5 * 2 ** 32 }, rssBytes: { value: 0 } },
    }];
    const back = m.decodeResponse(m.encodeResponse({ stats })) as { stats: typeof stats };
    expect(back.stats).toMatchObject(stats);
    expect(typeof back.stats[0]!.cpu.timestamp).toBe("number");
    // Absent sub-messages are undefined, not null.
    expect("usageNanoCores" in back.stats[0]!.cpu).toBe(false);
    expect("writableLayer" in back.stats[0]!).toBe(false);
  });

  test("bytes decode to Uint8Array; an empty ImageStatus answer has no image", () => {
    const exec = criMethod("RuntimeService", "ExecSync");
    const out = exec.decodeResponse(exec.encodeResponse({ stdout: new TextEncoder().encode("3\n"), exitCode: 1 })) as {
      stdout: Uint8Array; stderr: Uint8Array; exitCode: number;
    };
    expect(out.stdout).toBeInstanceOf(Uint8Array);
    expect(new TextDecoder().decode(out.stdout)).toBe("3\n");
    expect(out.stderr.length).toBe(0);
    expect(out.exitCode).toBe(1);

    const img = criMethod("ImageService", "ImageStatus");
    // No image; `info` (verbose answers only) decodes as its empty default.
    expect(img.decodeResponse(Buffer.alloc(0))).toEqual({ info: {} });
  });

  test("filters: unset fields stay off the wire", () => {
    const m = criMethod("RuntimeService", "ListContainers");
    expect(bytes(m.encodeRequest({}))).toEqual([]);
    const req = { filter: { state: { state: "CONTAINER_RUNNING" }, labelSelector: { "io.kubernetes.pod.uid": "u" } } };
    expect(m.decodeRequest(m.encodeRequest(req))).toMatchObject(req);
  });

  test("an unknown method is a programming error", () => {
    expect(() => criMethod("ImageService", "Nope")).toThrow("cri.proto has no ImageService.Nope");
  });
});
