import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { builtinResources, type ApiClient, type KubeObject } from "@lite/sdk";
import { createFakeClock, type FakeClock } from "../../../controllers/runtime/fake-clock.ts";
import { eventually, quietLog, startTestCluster, type TestCluster } from "../../../controllers/testing/in-process.ts";
import { LITE_VERSION } from "../../../version.ts";
import type { CriClient, Image, RuntimeCondition } from "../../cri/types.ts";
import { agentPaths } from "../../paths.ts";
import type { EvictionSignals } from "./eviction-signals.ts";
import type { MachineInfo } from "./machine-info.ts";
import { startNodeStatus, type NodeStatusHandle, type NodeStatusOptions } from "./start-node-status.ts";
import type { Node } from "./types.ts";

const GiB = 1024 ** 3;
const MACHINE: MachineInfo = {
  numCores: 2, memoryCapacityBytes: 8148060 * 1024, machineID: "3d1219c7c4c5404aaa1f6d2a48adfda4", systemUUID: "3d1219c7c4c5404aaa1f6d2a48adfda4",
  bootID: "cfa5f730-4a64-40a3-aec6-7af90a191daf", kernelVersion: "6.1.0-test", osImage: "Debian GNU/Linux 12 (bookworm)",
  operatingSystem: "linux", architecture: "amd64",
};
const READY: RuntimeCondition[] = [
  { type: "RuntimeReady", status: true, reason: "", message: "" },
  { type: "NetworkReady", status: true, reason: "", message: "" },
];
const NO_NETWORK: RuntimeCondition[] = [
  { type: "RuntimeReady", status: true, reason: "", message: "" },
  { type: "NetworkReady", status: false, reason: "NetworkPluginNotReady", message: "Network plugin returns error: cni plugin not initialized" },
];

/** A CRI runtime reduced to what node status asks (version, status, images); nothing else is called. */
function fakeCri(state: { conditions: RuntimeCondition[]; images: Image[]; down?: boolean }): CriClient {
  const partial: Partial<CriClient> = {
    endpoint: "unix:///fake.sock",
    version: async () => ({ version: "0.1.0", runtimeName: "containerd", runtimeVersion: "1.6.20", runtimeApiVersion: "v1" }),
    status: async () => {
      if (state.down) throw new Error("rpc error: code = Unavailable desc = connection refused");
      return { conditions: state.conditions };
    },
    listImages: async () => state.images,
  };
  return partial as CriClient;
}

function signals(over: Partial<EvictionSignals> = {}): EvictionSignals {
  return {
    memory: { availableBytes: 4 * GiB, capacityBytes: 8 * GiB },
    nodefs: { availableBytes: 60 * GiB, capacityBytes: 264212084 * 1024, inodesFree: 900_000, inodes: 1_000_000 },
    imagefs: { availableBytes: 60 * GiB, capacityBytes: 100 * GiB, inodesFree: 900_000, inodes: 1_000_000 },
    pid: { max: 32768, running: 200 },
    ...over,
  };
}

/** Counts status patches going through a client. */
function countingClient(inner: ApiClient, counts: { statusPatches: number }): ApiClient {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === "patch") {
        return (...args: Parameters<ApiClient["patch"]>) => {
          if (args[3]?.subresource === "status") counts.statusPatches++;
          return target.patch(...args);
        };
      }
      return Reflect.get(target, prop, receiver);
    },
  });
}

let cluster: TestCluster | undefined;
let handle: NodeStatusHandle | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  await handle?.stop();
  await cluster?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  handle = cluster = dataDir = undefined;
});

async function start(over: Partial<NodeStatusOptions> & { cri?: CriClient } = {}) {
  cluster ??= await startTestCluster();
  dataDir = mkdtempSync(`${tmpdir()}/lite-node-status-`);
  const clock = (over.clock as FakeClock | undefined) ?? createFakeClock(Date.parse("2025-01-01T00:00:00Z"));
  const counts = { statusPatches: 0 };
  const state = { conditions: READY, images: [] as Image[], signals: signals(), down: false };
  handle = await startNodeStatus({
    client: countingClient(cluster.client, counts), nodeName: "node-a", nodeIP: "10.0.0.5", hostname: "node-a", role: "server",
    labels: {}, taints: [], kubeletPort: 10250, cri: fakeCri(state), paths: agentPaths(dataDir), log: quietLog, clock,
    machine: MACHINE, observeSignals: () => state.signals,
    ...over,
  });
  return { clock: clock as FakeClock, counts, state, client: cluster.client, handle };
}

const getNode = (client: ApiClient) => client.get<Node>({ ...builtinResources.nodes, name: "node-a" });
const getLease = (client: ApiClient) => client.get<KubeObject & { spec: Record<string, unknown> }>({ ...builtinResources.leases, namespace: "kube-node-lease", name: "node-a" });
const condition = (node: Node, type: string) => node.status?.conditions?.find((c) => c.type === type);

describe("node registration", () => {
  test("creates the Node with upstream labels, capacity, allocatable, addresses, nodeInfo and conditions", async () => {
    const { client } = await start({ labels: { "example.com/tier": "db" }, taints: [{ key: "dedicated", value: "db", effect: "NoSchedule" }] });
    const node = await getNode(client);
    expect(node.metadata.labels).toEqual({
      "kubernetes.io/hostname": "node-a", "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
      "beta.kubernetes.io/os": "linux", "beta.kubernetes.io/arch": "amd64",
      "node.kubernetes.io/instance-type": "lite", "beta.kubernetes.io/instance-type": "lite",
      "node-role.kubernetes.io/control-plane": "true", "node-role.kubernetes.io/master": "true",
      "example.com/tier": "db",
    });
    expect(node.spec?.taints).toEqual([{ key: "dedicated", value: "db", effect: "NoSchedule" }]);
    expect(node.status?.capacity).toEqual({
      cpu: "2", memory: "8148060Ki", pods: "110", "hugepages-1Gi": "0", "hugepages-2Mi": "0", "ephemeral-storage": "264212084Ki",
    });
    // Allocatable: capacity minus the hard eviction thresholds (memory 100Mi, nodefs 10%; upstream
    // holds percentages as float32, so 10% of 270553174016 bytes is int64(270553174016 × 0.1000000015) = 27055317804).
    expect(node.status?.allocatable).toEqual({
      cpu: "2", memory: "8045660Ki", pods: "110", "hugepages-1Gi": "0", "hugepages-2Mi": "0", "ephemeral-storage": "243497856212",
    });
    expect(node.status?.addresses).toEqual([{ type: "InternalIP", address: "10.0.0.5" }, { type: "Hostname", address: "node-a" }]);
    expect(node.status?.daemonEndpoints).toEqual({ kubeletEndpoint: { Port: 10250 } });
    expect(node.status?.nodeInfo).toEqual({
      machineID: MACHINE.machineID, systemUUID: MACHINE.systemUUID, bootID: MACHINE.bootID, kernelVersion: "6.1.0-test",
      osImage: "Debian GNU/Linux 12 (bookworm)", containerRuntimeVersion: "containerd://1.6.20",
      kubeletVersion: LITE_VERSION, kubeProxyVersion: LITE_VERSION, operatingSystem: "linux", architecture: "amd64",
    });
    expect(LITE_VERSION).toMatch(/^v1\.32\.\d+\+lite1$/);
    expect(node.status?.conditions?.map((c) => [c.type, c.status, c.reason, c.message])).toEqual([
      ["MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"],
      ["DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"],
      ["PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"],
      ["Ready", "True", "KubeletReady", "kubelet is posting ready status"],
    ]);
    expect(condition(node, "Ready")!.lastHeartbeatTime).toBe("2025-01-01T00:00:00Z");
    expect(node.metadata.annotations?.["volumes.kubernetes.io/controller-managed-attach-detach"]).toBe("true");
  });

  test("an agent gets no role labels; images are reported largest first with digests, then tags", async () => {
    cluster = await startTestCluster();
    const { client, state, clock } = await start({ role: "agent" });
    state.images = [
      { id: "sha256:small", repoTags: ["docker.io/library/busybox:latest"], repoDigests: [], size: 1_000_000 },
      { id: "sha256:big", repoTags: ["docker.io/library/app:1", "docker.io/library/app:latest"], repoDigests: ["docker.io/library/app@sha256:abc"], size: 50_000_000 },
    ];
    clock.advance(10_000);
    const node = await eventually(async () => {
      const n = await getNode(client);
      return n.status?.images?.length === 2 ? n : undefined;
    });
    expect(node.metadata.labels?.["node-role.kubernetes.io/control-plane"]).toBeUndefined();
    expect(node.status?.images).toEqual([
      { names: ["docker.io/library/app@sha256:abc", "docker.io/library/app:1", "docker.io/library/app:latest"], sizeBytes: 50_000_000 },
      { names: ["docker.io/library/busybox:latest"], sizeBytes: 1_000_000 },
    ]);
  });

  test("an existing Node keeps user labels and taints; owned labels are rewritten; --node-taint is not re-applied", async () => {
    cluster = await startTestCluster();
    await cluster.client.create(builtinResources.nodes, {
      apiVersion: "v1", kind: "Node",
      metadata: { name: "node-a", labels: { "kubernetes.io/hostname": "old-name", "user.example/keep": "yes", "example.com/tier": "web" } },
      spec: { taints: [{ key: "user-taint", effect: "NoExecute" }] },
    });
    await cluster.client.patch({ ...builtinResources.nodes, name: "node-a" }, "merge", { status: { nodeInfo: { bootID: "an-earlier-boot" } } }, { subresource: "status" });
    const events: string[] = [];
    const { client } = await start({
      labels: { "example.com/tier": "db" }, taints: [{ key: "dedicated", value: "db", effect: "NoSchedule" }],
      recordEvent: (type, reason, message) => events.push(`${type} ${reason} ${message}`),
    });
    const node = await getNode(client);
    expect(node.metadata.labels).toMatchObject({ "kubernetes.io/hostname": "node-a", "user.example/keep": "yes", "example.com/tier": "db", "node-role.kubernetes.io/control-plane": "true" });
    expect(node.spec?.taints).toEqual([{ key: "user-taint", effect: "NoExecute" }]);
    // Its status is posted right after registration.
    expect(condition(node, "Ready")?.status).toBe("True");
    expect(node.status?.nodeInfo?.kubeletVersion).toBe(LITE_VERSION);
    expect(events[0]).toBe(`Warning Rebooted Node node-a has been rebooted, boot id: ${MACHINE.bootID}`);
    expect(events).toContain("Normal NodeHasSufficientMemory Node node-a status is now: NodeHasSufficientMemory");
  });
});

describe("node lease", () => {
  test("kube-node-lease/<node> is owned by the Node and renewed every 10 s", async () => {
    const { client, clock } = await start();
    const node = await getNode(client);
    const lease = await getLease(client);
    expect(lease.spec).toMatchObject({ holderIdentity: "node-a", leaseDurationSeconds: 40, renewTime: "2025-01-01T00:00:00.000000Z" });
    expect(lease.metadata.ownerReferences).toEqual([{ apiVersion: "v1", kind: "Node", name: "node-a", uid: node.metadata.uid! }]);
    clock.advance(10_000);
    await eventually(async () => (await getLease(client)).spec.renewTime === "2025-01-01T00:00:10.000000Z");
    clock.advance(10_000);
    await eventually(async () => (await getLease(client)).spec.renewTime === "2025-01-01T00:00:20.000000Z");
  });

  test("a Lease deleted behind the kubelet's back is re-created", async () => {
    const { client, clock } = await start();
    await client.delete({ ...builtinResources.leases, namespace: "kube-node-lease", name: "node-a" });
    // The renewal fails once (the cached Lease is gone), then the retry (200 ms later) re-creates it.
    clock.advance(10_000);
    await Bun.sleep(20);
    clock.advance(200);
    const lease = await eventually(() => getLease(client).catch(() => undefined));
    expect(lease.spec.holderIdentity).toBe("node-a");
  });
});

describe("node status updates", () => {
  test("patches only when something changed, or every 5 minutes", async () => {
    const { client, clock, counts, state } = await start();
    const registered = counts.statusPatches;
    for (let i = 0; i < 3; i++) {
      clock.advance(10_000);
      await Bun.sleep(30);
    }
    expect(counts.statusPatches).toBe(registered);
    // A change (a new image) is reported with the next update.
    state.images = [{ id: "sha256:x", repoTags: ["docker.io/library/x:1"], repoDigests: [], size: 10 }];
    clock.advance(10_000);
    await eventually(() => counts.statusPatches === registered + 1);
    // Nothing changes for 5 minutes: one report when they are up, refreshing the heartbeat.
    for (let i = 0; i < 30; i++) {
      clock.advance(10_000);
      await Bun.sleep(5);
    }
    await eventually(() => counts.statusPatches === registered + 2);
    const ready = condition(await getNode(client), "Ready")!;
    expect(ready.lastHeartbeatTime).toBe("2025-01-01T00:05:40Z");
    expect(ready.lastTransitionTime).toBe("2025-01-01T00:00:00Z");
  });

  test("Ready follows the runtime's conditions at once, with upstream's message and events", async () => {
    const events: string[] = [];
    const { client, clock, state, handle } = await start({ recordEvent: (type, reason, message) => events.push(`${type} ${reason} ${message}`) });
    expect(events).toEqual([
      "Normal NodeHasSufficientMemory Node node-a status is now: NodeHasSufficientMemory",
      "Normal NodeHasNoDiskPressure Node node-a status is now: NodeHasNoDiskPressure",
      "Normal NodeHasSufficientPID Node node-a status is now: NodeHasSufficientPID",
    ]);
    state.conditions = NO_NETWORK;
    clock.advance(5_000); // the runtime check
    const notReady = await eventually(async () => {
      const c = condition(await getNode(client), "Ready");
      return c?.status === "False" ? c : undefined;
    });
    expect(notReady).toMatchObject({
      reason: "KubeletNotReady",
      message: "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized",
      lastTransitionTime: "2025-01-01T00:00:05Z",
    });
    expect(condition(handle.node()!, "Ready")?.status).toBe("False");
    state.conditions = READY;
    clock.advance(5_000);
    const ready = await eventually(async () => {
      const c = condition(await getNode(client), "Ready");
      return c?.status === "True" ? c : undefined;
    });
    expect(ready).toMatchObject({ reason: "KubeletReady", message: "kubelet is posting ready status", lastTransitionTime: "2025-01-01T00:00:10Z" });
    expect(events.slice(3)).toEqual(["Normal NodeNotReady Node node-a status is now: NodeNotReady", "Normal NodeReady Node node-a status is now: NodeReady"]);
  });

  test("a runtime that stops answering makes the node NotReady after 30 s", async () => {
    const { client, clock, state } = await start();
    state.down = true;
    for (let i = 0; i < 7; i++) {
      clock.advance(5_000);
      await Bun.sleep(10);
    }
    const c = await eventually(async () => {
      const r = condition(await getNode(client), "Ready");
      return r?.status === "False" ? r : undefined;
    });
    expect(c.message).toBe("container runtime is down");
  });

  test("memory pressure sets MemoryPressure, exposed by pressure(), and holds for the transition period", async () => {
    const { client, clock, state, handle } = await start();
    state.signals = signals({ memory: { availableBytes: 50 * 1024 * 1024, capacityBytes: 8 * GiB } });
    clock.advance(10_000);
    const c = await eventually(async () => {
      const m = condition(await getNode(client), "MemoryPressure");
      return m?.status === "True" ? m : undefined;
    });
    expect(c).toMatchObject({ reason: "KubeletHasInsufficientMemory", message: "kubelet has insufficient memory available" });
    expect(handle.pressure()).toEqual({ memory: true, disk: false, pid: false });
    state.signals = signals();
    clock.advance(60_000);
    await Bun.sleep(20);
    expect(handle.pressure().memory).toBe(true); // still within the 5-minute transition period
    clock.advance(5 * 60_000);
    await eventually(() => !handle.pressure().memory);
  });

  test("after the node lifecycle controller marked it Unknown, the next update posts Ready again", async () => {
    const { client, clock } = await start();
    const node = await getNode(client);
    await client.patch({ ...builtinResources.nodes, name: "node-a" }, "strategic", {
      status: { conditions: node.status!.conditions!.map((c) => ({ ...c, status: "Unknown", reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status." })) },
    }, { subresource: "status" });
    clock.advance(10_000);
    await eventually(async () => condition(await getNode(client), "Ready")?.status === "True");
  });

  test("stop ends every loop and is idempotent", async () => {
    const { clock, counts } = await start();
    await Promise.all([handle!.stop(), handle!.stop()]);
    const before = counts.statusPatches;
    clock.advance(10 * 60_000);
    await Bun.sleep(20);
    expect(counts.statusPatches).toBe(before);
    expect(clock.pending()).toBe(0);
  });
});
