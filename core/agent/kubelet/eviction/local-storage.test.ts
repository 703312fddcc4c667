import { afterAll, describe, expect, test } from "bun:test";
import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { resolveKubeletTuning, type EvictionSettings } from "../../../config/kubelet-config.ts";
import type { ContainerStats, CriClient } from "../../cri/types.ts";
import { agentPaths } from "../../paths.ts";
import type { Pod } from "../pod-types.ts";
import { POD_UID_LABEL } from "../runtime-labels.ts";
import { createEvictionManager, type EvictionManagerDeps } from "./eviction-manager.ts";
import { createImageGcManager } from "./image-gc.ts";
import { createDiskWalker, podEphemeralStorageLimit, type DiskUsage } from "./local-storage.ts";
import { serializeQuantity } from "../../../apiserver/machinery/quantity.ts";

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const paths = agentPaths("/data");
const log = { info() {}, warn() {}, debug() {}, error() {}, child() { return log; } } as never;

type C = { name: string; limit?: string; restartPolicy?: "Always" };
function pod(name: string, opts: { containers?: C[]; initContainers?: C[]; volumes?: Record<string, unknown>[]; critical?: boolean; overhead?: string } = {}): Pod {
  const spec = (c: C) => ({ name: c.name, image: "busybox", ...(c.restartPolicy ? { restartPolicy: c.restartPolicy } : {}), ...(c.limit ? { resources: { limits: { "ephemeral-storage": c.limit } } } : {}) });
  return {
    apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "ns", uid: `uid-${name}` },
    spec: {
      containers: (opts.containers ?? [{ name: "c" }]).map(spec),
      ...(opts.initContainers ? { initContainers: opts.initContainers.map(spec) } : {}),
      ...(opts.volumes ? { volumes: opts.volumes } : {}),
      ...(opts.critical ? { priorityClassName: "system-node-critical" } : {}),
      ...(opts.overhead ? { overhead: { "ephemeral-storage": opts.overhead } } : {}),
    },
  } as Pod;
}
const rootfs = (uid: string, name: string, bytes: number, attempt = 0): ContainerStats => ({
  attributes: { id: `${uid}-${name}-${attempt}`, metadata: { name, attempt }, labels: { [POD_UID_LABEL]: uid }, annotations: {} },
  writableLayer: { timestamp: 0, fsId: { mountpoint: "/" }, usedBytes: { value: bytes }, inodesUsed: { value: 1 } },
} as ContainerStats);
const emptyDirPath = (p: Pod, vol: string) => `/data/agent/pods/${p.metadata.uid}/volumes/kubernetes.io~empty-dir/${vol}`;
const logsPath = (p: Pod, c: string) => `/data/agent/logs/pods/ns_${p.metadata.name}_${p.metadata.uid}/${c}`;

/** A manager over a fake filesystem (path → bytes), fake runtime stats and a fake clock. */
function harness(pods: Pod[], files: Record<string, number>, stats: ContainerStats[] = [], opts: { settings?: EvictionSettings; dedicatedImageFs?: boolean; deps?: Partial<EvictionManagerDeps> } = {}) {
  const clock = { now: 0 };
  const measured: string[] = [];
  let statsCalls = 0;
  const evicted: { name: string; message: string; grace: number; disruptionTarget?: boolean }[] = [];
  const cri = { listContainerStats: async () => { statsCalls++; return stats; }, listImages: async () => [], listContainers: async () => [] } as unknown as CriClient;
  const usage = async (path: string): Promise<DiskUsage | undefined> => {
    measured.push(path);
    return files[path] === undefined ? undefined : { bytes: files[path]!, inodes: 1 };
  };
  const manager = createEvictionManager({
    cri, log, settings: opts.settings ?? resolveKubeletTuning([]).eviction,
    pods: () => pods,
    evict: async (p, message, grace, o) => { evicted.push({ name: p.metadata.name!, message, grace, disruptionTarget: o?.disruptionTarget }); },
    imageGc: createImageGcManager({ cri, keep: new Set(), startedAt: 0 }),
    signals: () => ({ memory: { availableBytes: 4 * GiB, capacityBytes: 8 * GiB } }), now: () => clock.now,
    localStorage: { paths, usage, dedicatedImageFs: opts.dedicatedImageFs },
    ...opts.deps,
  });
  return { clock, manager, evicted, measured, statsCalls: () => statsCalls };
}

describe("local storage limit evictions (upstream localStorageEviction)", () => {
  test("emptyDir over its sizeLimit: evicted at once (grace 1 s, no DisruptionTarget) with upstream's message; at the limit it stays", async () => {
    const over = pod("over", { volumes: [{ name: "scratch", emptyDir: { sizeLimit: "1Mi" } }] });
    const at = pod("at", { volumes: [{ name: "scratch", emptyDir: { sizeLimit: "1Mi" } }] });
    const h = harness([over, at], { [emptyDirPath(over, "scratch")]: 3 * MiB, [emptyDirPath(at, "scratch")]: MiB });
    const r = await h.manager.synchronize();
    expect(r).toMatchObject({ evicted: "ns/over", limitEvicted: ["ns/over"], gracePeriodSeconds: 1 });
    expect(h.evicted).toEqual([{ name: "over", message: 'Usage of EmptyDir volume "scratch" exceeds the limit "1Mi". ', grace: 1, disruptionTarget: false }]);
    expect(h.statsCalls()).toBe(0); // sizeLimit alone needs no runtime stats
  });

  test("a Memory emptyDir is a tmpfs capped at its sizeLimit: never measured", async () => {
    const p = pod("mem", { volumes: [{ name: "m", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } }] });
    const h = harness([p], { [emptyDirPath(p, "m")]: 5 * MiB });
    expect((await h.manager.synchronize()).evicted).toBeUndefined();
    expect(h.measured).toEqual([]);
  });

  test("pod ephemeral storage (writable layers + logs + local volumes + etc-hosts) over the containers' total limit", async () => {
    const p = pod("p", {
      containers: [{ name: "a", limit: "1Gi" }, { name: "b", limit: "500Mi" }],
      volumes: [{ name: "cache", emptyDir: {} }, { name: "cfg", configMap: { name: "x" } }, { name: "mem", emptyDir: { medium: "Memory" } }],
    });
    const files = {
      [logsPath(p, "a")]: 100 * MiB, [logsPath(p, "b")]: 100 * MiB, [emptyDirPath(p, "cache")]: 200 * MiB,
      [`/data/agent/pods/${p.metadata.uid}/volumes/kubernetes.io~configmap/cfg`]: MiB, [`/data/agent/pods/${p.metadata.uid}/etc-hosts`]: 4096,
    };
    // 1000 + 100 + 100 + 200 + 1 MiB + 4 KiB = 1401 MiB + 4 KiB: within 1524Mi.
    const within = harness([p], files, [rootfs(p.metadata.uid!, "a", 700 * MiB), rootfs(p.metadata.uid!, "b", 300 * MiB)]);
    expect((await within.manager.synchronize()).evicted).toBeUndefined();
    expect(within.measured).not.toContain(emptyDirPath(p, "mem"));
    // The layer of b grows by 124 MiB: 1525 MiB + 4 KiB > 1524Mi.
    const over = harness([p], files, [rootfs(p.metadata.uid!, "a", 700 * MiB), rootfs(p.metadata.uid!, "b", 424 * MiB)]);
    expect((await over.manager.synchronize()).evicted).toBe("ns/p");
    expect(over.evicted[0]!.message).toBe("Pod ephemeral local storage usage exceeds the total limit of containers 1524Mi. ");
  });

  test("one container's limit is the pod's limit (upstream PodLimits needs no limit on every container)", async () => {
    const p = pod("one", { containers: [{ name: "limited", limit: "100Mi" }, { name: "free" }] });
    const h = harness([p], {}, [rootfs(p.metadata.uid!, "limited", 10 * MiB), rootfs(p.metadata.uid!, "free", 95 * MiB)]);
    await h.manager.synchronize();
    expect(h.evicted[0]!.message).toBe("Pod ephemeral local storage usage exceeds the total limit of containers 100Mi. ");
  });

  test("a container over its own limit (writable layer + logs); only its latest attempt counts; with a dedicated image filesystem, logs only", async () => {
    const p = pod("ctr", { containers: [{ name: "small", limit: "100Mi" }, { name: "big", limit: "1Gi" }] });
    const uid = p.metadata.uid!;
    const stats = [rootfs(uid, "small", 500 * MiB, 0), rootfs(uid, "small", 60 * MiB, 1), rootfs(uid, "big", 10 * MiB)];
    const files = { [logsPath(p, "small")]: 50 * MiB };
    const h = harness([p], files, stats);
    await h.manager.synchronize();
    expect(h.evicted).toEqual([{ name: "ctr", message: 'Container small exceeded its local ephemeral storage limit "100Mi". ', grace: 1, disruptionTarget: false }]);
    const dedicated = harness([p], files, stats, { dedicatedImageFs: true });
    expect((await dedicated.manager.synchronize()).evicted).toBeUndefined();
  });

  test("pods without sizeLimit or ephemeral-storage limits are never measured, and need no runtime stats", async () => {
    const plain = pod("plain", { volumes: [{ name: "d", emptyDir: {} }] });
    const h = harness([plain], { [emptyDirPath(plain, "d")]: 50 * GiB });
    expect((await h.manager.synchronize()).evicted).toBeUndefined();
    expect(h.measured).toEqual([]);
    expect(h.statsCalls()).toBe(0);
  });

  test("each path is measured once a round; every offender is evicted in one round, once; critical pods never; no thresholds needed", async () => {
    const settings = resolveKubeletTuning(["eviction-hard="]).eviction;
    expect(settings.thresholds).toEqual([]);
    const vols = [{ name: "d", emptyDir: { sizeLimit: "1Mi" } }];
    const a = pod("a", { volumes: vols, containers: [{ name: "c", limit: "1Gi" }] });
    const b = pod("b", { volumes: vols });
    const sys = pod("sys", { volumes: vols, critical: true });
    const files = { [emptyDirPath(a, "d")]: 512 * 1024, [logsPath(a, "c")]: 2 * GiB, [emptyDirPath(b, "d")]: 2 * MiB, [emptyDirPath(sys, "d")]: 2 * MiB };
    const h = harness([a, b, sys], files, [rootfs(a.metadata.uid!, "c", MiB)], { settings });
    const r = await h.manager.synchronize();
    expect(r.limitEvicted).toEqual(["ns/a", "ns/b"]);
    expect(h.evicted.map((e) => e.message)).toEqual(["Pod ephemeral local storage usage exceeds the total limit of containers 1Gi. ", 'Usage of EmptyDir volume "d" exceeds the limit "1Mi". ']);
    expect(new Set(h.measured).size).toBe(h.measured.length);
    // Next round (10 s later, the pods still listed as active): no second eviction.
    h.clock.now = 10_000;
    expect((await h.manager.synchronize()).evicted).toBeUndefined();
    expect(h.evicted).toHaveLength(2);
  });

  test("a limit eviction ends the round: no node-pressure eviction in the same round", async () => {
    const settings = resolveKubeletTuning([]).eviction;
    const over = pod("over", { volumes: [{ name: "d", emptyDir: { sizeLimit: "1Mi" } }] });
    const h = harness([over, pod("other")], { [emptyDirPath(over, "d")]: 2 * MiB }, [], {
      settings, deps: { signals: () => ({ memory: { availableBytes: 10 * MiB, capacityBytes: 8 * GiB } }) },
    });
    const r = await h.manager.synchronize();
    expect(r.resource).toBeUndefined();
    expect(h.evicted.map((e) => e.name)).toEqual(["over"]);
    expect(h.manager.pressure().memory).toBe(true); // the conditions are still updated first
  });

  test("under disk pressure a pod's disk use counts its logs and emptyDirs, not only writable layers (upstream podDiskUsage)", async () => {
    const fs = { availableBytes: 5 * GiB, capacityBytes: 100 * GiB, inodesFree: 1000, inodes: 2000 };
    const logger = pod("logger");
    const layered = pod("layered");
    const h = harness([layered, logger], { [logsPath(logger, "c")]: 3 * GiB, [emptyDirPath(logger, "d")]: GiB },
      [rootfs(logger.metadata.uid!, "c", 10 * MiB), rootfs(layered.metadata.uid!, "c", 2 * GiB)], {
        deps: {
          signals: () => ({ memory: { availableBytes: 4 * GiB, capacityBytes: 8 * GiB }, nodefs: fs }),
          imageGc: { detect: async () => new Set<string>(), garbageCollect: async () => ({ removed: [], freedBytes: 0 }), record: () => undefined, deleteUnusedImages: async () => ({ removed: [], freedBytes: 0 }) },
        },
      });
    logger.spec.volumes = [{ name: "d", emptyDir: {} }];
    const r = await h.manager.synchronize();
    expect(r).toMatchObject({ resource: "ephemeral-storage", evicted: "ns/logger" });
    expect(h.evicted[0]!.message).toBe("The node was low on resource: ephemeral-storage. Threshold quantity: 10737418400, available: 5Gi. Container c was using 3082Mi, request is 0, has larger consumption of ephemeral-storage. ");
  });
});

describe("upstream PodLimits for ephemeral-storage", () => {
  const text = (p: Pod) => { const q = podEphemeralStorageLimit(p); return q && serializeQuantity(q); };
  test("none without a container limit; the sum; the largest init container when bigger; sidecars add; overhead adds", () => {
    expect(text(pod("none"))).toBeUndefined();
    expect(text(pod("sum", { containers: [{ name: "a", limit: "1Gi" }, { name: "b", limit: "512Mi" }] }))).toBe("1536Mi");
    expect(text(pod("one", { containers: [{ name: "a", limit: "1Gi" }] }))).toBe("1Gi");
    expect(text(pod("init", { containers: [{ name: "a", limit: "1Gi" }], initContainers: [{ name: "i", limit: "2Gi" }] }))).toBe("2Gi");
    expect(text(pod("sidecar", { containers: [{ name: "a", limit: "1Gi" }], initContainers: [{ name: "s", limit: "1Gi", restartPolicy: "Always" }, { name: "i", limit: "1500Mi" }] }))).toBe("2524Mi");
    expect(text(pod("overhead", { containers: [{ name: "a", limit: "1Gi" }], overhead: "1Mi" }))).toBe("1025Mi");
    expect(text(pod("decimal", { containers: [{ name: "a", limit: "1G" }, { name: "b", limit: "500M" }] }))).toBe("1500M");
  });
});

describe("the du -x -s walker", () => {
  const dir = mkdtempSync(`${tmpdir()}/lite-du-`);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  test("counts allocated blocks once per inode, does not follow symlinks, stops at its budget", async () => {
    mkdirSync(`${dir}/vol/sub`, { recursive: true });
    writeFileSync(`${dir}/vol/a`, Buffer.alloc(256 * 1024, 1));
    writeFileSync(`${dir}/vol/sub/b`, Buffer.alloc(128 * 1024, 1));
    linkSync(`${dir}/vol/a`, `${dir}/vol/sub/a-again`);
    writeFileSync(`${dir}/outside`, Buffer.alloc(4 * 1024 * 1024, 1));
    symlinkSync(`${dir}/outside`, `${dir}/vol/link`);
    symlinkSync(dir, `${dir}/vol/loop`);
    const u = (await createDiskWalker()(`${dir}/vol`))!;
    expect(u.bytes).toBeGreaterThanOrEqual(384 * 1024);
    expect(u.bytes).toBeLessThan(1024 * 1024); // neither the symlinked 4 MiB nor a second copy of a
    expect(u.inodes).toBe(6); // vol, sub, a, b, link, loop
    expect(u.partial).toBeUndefined();
    expect(await createDiskWalker()(`${dir}/missing`)).toBeUndefined();
    const limited = createDiskWalker(3);
    expect((await limited(`${dir}/vol`))!.partial).toBe(true);
  });
});
