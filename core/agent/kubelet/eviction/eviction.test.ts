import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { resolveKubeletTuning, type EvictionSettings } from "../../../config/kubelet-config.ts";
import type { Container, ContainerStats, CriClient, Image } from "../../cri/types.ts";
import type { EvictionSignals } from "../node/eviction-signals.ts";
import type { Pod } from "../pod-types.ts";
import { POD_UID_LABEL } from "../runtime-labels.ts";
import { countPodProcesses, createEvictionManager, type EvictionManagerDeps } from "./eviction-manager.ts";
import { rankForEviction } from "./eviction-ranking.ts";
import { createImageGcManager } from "./image-gc.ts";
import { hardEvictionReservation, quantityText } from "./thresholds.ts";

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const pod = (name: string, opts: { request?: string; priority?: number; critical?: boolean; grace?: number } = {}): Pod => ({
  apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default", uid: `uid-${name}` },
  spec: {
    containers: [{ name: "c", image: "busybox", ...(opts.request ? { resources: { requests: { memory: opts.request } } } : {}) }],
    ...(opts.priority !== undefined ? { priority: opts.priority } : {}),
    ...(opts.critical ? { priorityClassName: "system-node-critical" } : {}),
    ...(opts.grace !== undefined ? { terminationGracePeriodSeconds: opts.grace } : {}),
  },
});

function fakeCri(images: Image[], containers: Partial<Container>[] = [], stats: ContainerStats[] = []): CriClient & { removed: string[]; containers: Partial<Container>[] } {
  const removed: string[] = [];
  const state = { containers };
  return {
    removed,
    get containers() { return state.containers; },
    set containers(c) { state.containers = c; },
    listImages: async () => images.filter((i) => !removed.includes(i.id)),
    listContainers: async () => state.containers as Container[],
    removeImage: async (id: string) => { removed.push(id); },
    listContainerStats: async () => stats,
  } as unknown as CriClient & { removed: string[]; containers: Partial<Container>[] };
}
const image = (id: string, tag: string, size: number, pinned = false): Image => ({ id, repoTags: [tag], repoDigests: [], size, pinned });
const stat = (uid: string, workingSet: number, name = "c"): ContainerStats => ({ attributes: { id: `${uid}-${name}`, metadata: { name, attempt: 0 }, labels: { [POD_UID_LABEL]: uid }, annotations: {} }, memory: { timestamp: 0, workingSetBytes: { value: workingSet } } });
const log = { info() {}, warn() {}, debug() {}, error() {}, child() { return log; } } as never;

describe("ranking (upstream rankMemoryPressure / rankPIDPressure)", () => {
  test("memory: no stats first, then over requests, then lower priority, then larger usage above requests; critical pods stay ranked", () => {
    const pods = [pod("within", { request: "1Gi" }), pod("over-small"), pod("over-big"), pod("high-prio", { priority: 1000 }), pod("critical", { critical: true }), pod("no-stats")];
    const usage: Record<string, number> = { "uid-within": 0.5 * GiB, "uid-over-small": 0.1 * GiB, "uid-over-big": 0.8 * GiB, "uid-high-prio": 2 * GiB, "uid-critical": 5 * GiB };
    const order = rankForEviction(pods, "memory", (uid) => usage[uid]).map((p) => p.metadata.name);
    expect(order).toEqual(["no-stats", "critical", "over-big", "over-small", "high-prio", "within"]);
  });
  test("PIDs: lower priority first, then more processes", () => {
    const pods = [pod("few"), pod("many"), pod("important", { priority: 100 })];
    const procs: Record<string, number> = { "uid-few": 3, "uid-many": 300, "uid-important": 5000 };
    expect(rankForEviction(pods, "pids", (uid) => procs[uid]).map((p) => p.metadata.name)).toEqual(["many", "few", "important"]);
  });
});

describe("image garbage collection (upstream image_gc_manager: LRU between the thresholds)", () => {
  const fs90 = { capacityBytes: 100 * GiB, availableBytes: 10 * GiB };
  test("below the high threshold nothing is removed", async () => {
    const cri = fakeCri([image("sha256:a", "a:1", GiB)]);
    const gc = createImageGcManager({ cri, keep: new Set(), startedAt: 0 });
    await gc.detect(0);
    expect((await gc.garbageCollect({ capacityBytes: 100 * GiB, availableBytes: 20 * GiB }, 10 * 60_000)).removed).toEqual([]);
  });
  test("least recently used first, until under the low threshold; in-use, pinned, built-in and too-young images stay", async () => {
    const cri = fakeCri(
      [image("sha256:used", "used:1", 8 * GiB), image("sha256:pinned", "pause:1", 8 * GiB, true), image("sha256:builtin", "docker.io/library/busybox:latest", 8 * GiB),
        image("sha256:old", "old:1", 1 * GiB), image("sha256:recent", "recent:1", 6 * GiB), image("sha256:older", "older:1", 5 * GiB), image("sha256:spare", "spare:1", 9 * GiB)],
      [{ imageRef: "sha256:recent", image: { image: "recent:1" } }, { imageRef: "sha256:older", image: { image: "older:1" } }, { imageRef: "sha256:old", image: { image: "old:1" } }],
    );
    const events: string[] = [];
    const gc = createImageGcManager({ cri, keep: new Set(["docker.io/library/busybox:latest"]), startedAt: 0, recordEvent: (_t, reason, message) => events.push(`${reason}: ${message}`) });
    // Last uses: old at t=1s, older at t=1m, recent at t=2m (their pods then go away); used stays in use.
    await gc.detect(1_000);
    cri.containers = [{ imageRef: "sha256:recent", image: { image: "recent:1" } }, { imageRef: "sha256:older", image: { image: "older:1" } }, { imageRef: "sha256:used", image: { image: "used:1" } }];
    await gc.detect(60_000);
    cri.containers = [{ imageRef: "sha256:recent", image: { image: "recent:1" } }, { imageRef: "sha256:used", image: { image: "used:1" } }];
    await gc.detect(120_000);
    cri.containers = [{ imageRef: "sha256:used", image: { image: "used:1" } }];
    expect(gc.record("sha256:older")).toEqual({ firstDetected: 1_000, lastUsed: 60_000 });
    expect(gc.record("sha256:spare")).toEqual({ firstDetected: 1_000, lastUsed: 0 });
    // 90% used: 10 GiB to free. The never-used "spare" (9 GiB) goes first, then "old" (1 GiB): enough.
    const r = await gc.garbageCollect(fs90, 10 * 60_000);
    expect(r).toEqual({ removed: ["spare:1", "old:1"], freedBytes: 10 * GiB });
    expect(events).toEqual([]);
    // Still 90% used (the fake fs does not change): the next LRU image goes; "used" never does.
    const r2 = await gc.garbageCollect(fs90, 11 * 60_000);
    expect(r2.removed).toEqual(["older:1", "recent:1"]);
    expect(cri.removed).not.toContain("sha256:used");
    expect(cri.removed).not.toContain("sha256:pinned");
    expect(cri.removed).not.toContain("sha256:builtin");
    expect(events).toEqual([]);
  });
  test("images younger than the minimum GC age are kept, and falling short records FreeDiskSpaceFailed", async () => {
    const cri = fakeCri([image("sha256:new", "new:1", 4 * GiB), image("sha256:aged", "aged:1", 2 * GiB)]);
    const events: string[] = [];
    const gc = createImageGcManager({ cri, keep: new Set(), startedAt: 0, policy: { highThresholdPercent: 85, lowThresholdPercent: 80, minAgeMs: 5 * 60_000, maxAgeMs: 0 }, recordEvent: (_t, reason, message) => events.push(`${reason}: ${message}`) });
    await gc.detect(0);
    cri.listImages = async () => [image("sha256:new", "new:1", 4 * GiB), image("sha256:aged", "aged:1", 2 * GiB), image("sha256:pulled", "pulled:1", 3 * GiB)].filter((i) => !cri.removed.includes(i.id));
    await gc.detect(4 * 60_000); // "pulled" first detected now
    const r = await gc.garbageCollect(fs90, 6 * 60_000);
    expect(r.removed.sort()).toEqual(["aged:1", "new:1"]);
    expect(cri.removed).not.toContain("sha256:pulled");
    expect(events).toEqual(["FreeDiskSpaceFailed: Failed to garbage collect required amount of images. Attempted to free 10737418240 bytes, but only found 6442450944 bytes eligible to free."]);
  });
  test("imageMaximumGCAge removes images unused that long, once the kubelet has run that long", async () => {
    const cri = fakeCri([image("sha256:stale", "stale:1", GiB), image("sha256:fresh", "fresh:1", GiB)], [{ imageRef: "sha256:fresh", image: { image: "fresh:1" } }]);
    const gc = createImageGcManager({ cri, keep: new Set(), startedAt: 0, policy: { highThresholdPercent: 85, lowThresholdPercent: 80, minAgeMs: 60_000, maxAgeMs: 60 * 60_000 } });
    await gc.detect(0);
    expect((await gc.garbageCollect(undefined, 30 * 60_000)).removed).toEqual([]); // kubelet not up an hour yet
    cri.containers = [];
    expect((await gc.garbageCollect(undefined, 61 * 60_000)).removed).toEqual(["stale:1"]); // fresh was used until now
  });
  test("deleteUnusedImages (eviction under disk pressure) removes every eligible unused image", async () => {
    const cri = fakeCri([image("sha256:a", "a:1", GiB), image("sha256:b", "b:1", GiB)], [{ imageRef: "sha256:b", image: { image: "b:1" } }]);
    const gc = createImageGcManager({ cri, keep: new Set(), startedAt: 0 });
    await gc.detect(0);
    expect((await gc.deleteUnusedImages(60_000)).removed).toEqual([]); // minimum age 2m
    expect((await gc.deleteUnusedImages(3 * 60_000)).removed).toEqual(["a:1"]);
  });
});

describe("eviction manager (upstream synchronize)", () => {
  function harness(settings: EvictionSettings, pods: Pod[], stats: ContainerStats[] = [], opts: Partial<EvictionManagerDeps> = {}) {
    const clock = { now: 0 };
    const state: { signals: EvictionSignals } = { signals: { memory: { availableBytes: 4 * GiB, capacityBytes: 8 * GiB } } };
    const evicted: { name: string; message: string; grace: number }[] = [];
    const nodeEvents: string[] = [];
    const cri = fakeCri([], [], stats);
    const manager = createEvictionManager({
      cri, log, settings, pods: () => pods.filter((p) => !evicted.some((e) => e.name === p.metadata.name)),
      evict: async (p, message, grace) => { evicted.push({ name: p.metadata.name!, message, grace }); },
      imageGc: createImageGcManager({ cri, keep: new Set(), startedAt: 0 }), signals: () => state.signals, now: () => clock.now,
      recordNodeEvent: (type, reason, message) => nodeEvents.push(`${type} ${reason} ${message}`), ...opts,
    });
    const memory = (availableBytes: number) => { state.signals = { ...state.signals, memory: { availableBytes, capacityBytes: 8 * GiB } }; };
    return { clock, state, evicted, nodeEvents, manager, memory };
  }
  const defaults = resolveKubeletTuning([]).eviction;

  test("hard memory threshold: one pod per round, upstream's message and events, grace 1 s; nothing when calm", async () => {
    const h = harness(defaults, [pod("a", { request: "1Gi" }), pod("b")], [stat("uid-a", 0.5 * GiB), stat("uid-b", 200 * MiB)]);
    expect((await h.manager.synchronize()).evicted).toBeUndefined();
    expect(h.manager.pressure()).toEqual({ memory: false, disk: false, pid: false });
    h.memory(50 * MiB);
    const r = await h.manager.synchronize();
    expect(r).toMatchObject({ resource: "memory", evicted: "default/b", gracePeriodSeconds: 1 });
    expect(h.evicted[0]!.message).toBe("The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. Container c was using 200Mi, request is 0, has larger consumption of memory. ");
    expect(h.nodeEvents).toEqual(["Warning EvictionThresholdMet Attempting to reclaim memory"]);
    expect(h.manager.pressure().memory).toBe(true);
  });

  test("soft threshold: pressure at once, eviction only after the signal stayed low for the grace period; grace = min(pod's, max)", async () => {
    const settings = resolveKubeletTuning(["eviction-soft=memory.available<1Gi", "eviction-soft-grace-period=memory.available=1m30s", "eviction-max-pod-grace-period=20"]).eviction;
    const h = harness(settings, [pod("long", { grace: 60 }), pod("short", { grace: 5 })], [stat("uid-long", 2 * GiB), stat("uid-short", GiB)]);
    h.memory(800 * MiB);
    expect((await h.manager.synchronize()).evicted).toBeUndefined();
    expect(h.manager.pressure().memory).toBe(true); // conditions ignore grace periods, as upstream
    h.clock.now = 60_000;
    expect((await h.manager.synchronize()).evicted).toBeUndefined();
    // The signal recovers briefly: the grace period starts over.
    h.memory(2 * GiB);
    h.clock.now = 70_000;
    await h.manager.synchronize();
    h.memory(800 * MiB);
    h.clock.now = 80_000;
    await h.manager.synchronize();
    h.clock.now = 169_999;
    expect((await h.manager.synchronize()).evicted).toBeUndefined();
    h.clock.now = 170_000;
    expect(await h.manager.synchronize()).toMatchObject({ evicted: "default/long", gracePeriodSeconds: 20 }); // min(60, 20)
    h.clock.now = 180_000;
    expect(await h.manager.synchronize()).toMatchObject({ evicted: "default/short", gracePeriodSeconds: 5 }); // min(5, 20)
  });

  test("eviction-max-pod-grace-period 0 (the default) stops soft-evicted pods at once (1 s)", async () => {
    const settings = resolveKubeletTuning(["eviction-soft=memory.available<1Gi", "eviction-soft-grace-period=memory.available=0s"]).eviction;
    const h = harness(settings, [pod("p", { grace: 30 })], [stat("uid-p", GiB)]);
    h.memory(800 * MiB);
    expect(await h.manager.synchronize()).toMatchObject({ evicted: "default/p", gracePeriodSeconds: 1 });
  });

  test("minimum reclaim: once met, a threshold keeps acting until available exceeds threshold + minimum reclaim", async () => {
    const settings = resolveKubeletTuning(["eviction-hard=memory.available<500Mi", "eviction-minimum-reclaim=memory.available=1Gi"]).eviction;
    const h = harness(settings, [pod("a"), pod("b"), pod("c")], [stat("uid-a", 3 * GiB), stat("uid-b", 2 * GiB), stat("uid-c", GiB)]);
    h.memory(400 * MiB);
    expect((await h.manager.synchronize()).evicted).toBe("default/a");
    h.memory(1200 * MiB); // past 500Mi but not past 500Mi + 1Gi
    expect((await h.manager.synchronize()).evicted).toBe("default/b");
    h.memory(1600 * MiB); // past 1524Mi: resolved
    expect((await h.manager.synchronize()).evicted).toBeUndefined();
    h.memory(1200 * MiB); // not met afresh (only 500Mi counts when not already acting)
    expect((await h.manager.synchronize()).evicted).toBeUndefined();
  });

  test("pressure-transition period: the condition stays until the period has passed since it was last observed", async () => {
    const settings = resolveKubeletTuning(["eviction-pressure-transition-period=30s"]).eviction;
    const h = harness(settings, []);
    h.memory(50 * MiB);
    await h.manager.synchronize();
    h.memory(4 * GiB);
    h.clock.now = 29_999;
    await h.manager.synchronize();
    expect(h.manager.pressure().memory).toBe(true);
    h.clock.now = 30_000;
    await h.manager.synchronize();
    expect(h.manager.pressure().memory).toBe(false);
  });

  test("PID pressure evicts the pod with the most processes among the lowest priority, with upstream's message", async () => {
    const settings = resolveKubeletTuning(["eviction-hard=pid.available<10%"]).eviction;
    const procs = new Map([["uid-few", 10], ["uid-forky", 900], ["uid-vip", 2000]]);
    const h = harness(settings, [pod("few"), pod("forky"), pod("vip", { priority: 1000 })], [], { podProcesses: async () => procs });
    h.state.signals = { ...h.state.signals, pid: { max: 4096, running: 3800 } };
    const r = await h.manager.synchronize();
    expect(r).toMatchObject({ resource: "pids", evicted: "default/forky" });
    expect(h.evicted[0]!.message).toBe("The node was low on resource: pids. Threshold quantity: 409, available: 296. ");
    expect(h.manager.pressure()).toEqual({ memory: false, disk: false, pid: true });
  });

  test("disk pressure deletes unused images first and evicts nothing when that resolves it; critical pods are never evicted", async () => {
    const fs = (availableBytes: number) => ({ availableBytes, capacityBytes: 100 * GiB, inodesFree: 1000, inodes: 2000 });
    const freeing = {
      detect: async () => new Set<string>(), garbageCollect: async () => ({ removed: [], freedBytes: 0 }), record: () => undefined,
      deleteUnusedImages: async () => { h2.state.signals = { ...h2.state.signals, nodefs: fs(40 * GiB) }; return { removed: ["old:1"], freedBytes: 35 * GiB }; },
    };
    const h2 = harness(defaults, [pod("sys", { critical: true }), pod("app")], [], { imageGc: freeing });
    h2.state.signals = { ...h2.state.signals, nodefs: fs(5 * GiB) };
    const r = await h2.manager.synchronize();
    expect(r).toMatchObject({ resource: "ephemeral-storage", imagesRemoved: ["old:1"] });
    expect(r.evicted).toBeUndefined();
    expect(h2.nodeEvents).toEqual(["Warning EvictionThresholdMet Attempting to reclaim ephemeral-storage"]);
    const h = harness(defaults, [pod("sys", { critical: true })]);
    h.state.signals = { ...h.state.signals, nodefs: fs(5 * GiB) };
    // Without images to remove, the critical pod is skipped and nothing else runs: no eviction.
    const r2 = await h.manager.synchronize();
    expect(r2.evicted).toBeUndefined();
    expect(h.evicted).toEqual([]);
  });
});

describe("node allocatable and quantities", () => {
  test("allocatable holds back the hard memory.available and nodefs.available thresholds (float32 percentages, as upstream)", () => {
    const t = resolveKubeletTuning([]).eviction.thresholds;
    expect(hardEvictionReservation(t, { memory: 8 * GiB, ephemeralStorage: 264212084 * 1024 })).toEqual({ memory: 100 * MiB, ephemeralStorage: 27055317804 });
    const soft = resolveKubeletTuning(["eviction-hard=nodefs.available<1Gi", "eviction-soft=memory.available<1Gi", "eviction-soft-grace-period=memory.available=1m"]).eviction.thresholds;
    expect(hardEvictionReservation(soft, { memory: 8 * GiB, ephemeralStorage: 100 * GiB })).toEqual({ memory: 0, ephemeralStorage: GiB });
  });
  test("quantities print as upstream's resource.Quantity String()", () => {
    expect([quantityText(50 * MiB), quantityText(209715 * 1024), quantityText(1023), quantityText(1500, "DecimalSI")]).toEqual(["50Mi", "209715Ki", "1023", "1500"]);
  });
});

describe("counting a pod's processes from /proc", () => {
  const dir = mkdtempSync(`${tmpdir()}/lite-pids-`);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  test("a process counts for the pod whose running container names its cgroup", async () => {
    const proc = (pid: number, cgroup: string) => { mkdirSync(`${dir}/${pid}`); writeFileSync(`${dir}/${pid}/cgroup`, cgroup); };
    proc(1, "0::/init.scope\n");
    proc(10, "0::/system.slice/containerd.service/kubepods-abc/cri-containerd-aaa111.scope\n");
    proc(11, "0::/system.slice/containerd.service/kubepods-abc/cri-containerd-aaa111.scope\n");
    proc(12, "0::/k8s.io/bbb222\n");
    const cri = { listContainers: async () => [{ id: "aaa111", labels: { [POD_UID_LABEL]: "uid-a" } }, { id: "bbb222", labels: { [POD_UID_LABEL]: "uid-b" } }] } as unknown as CriClient;
    expect(await countPodProcesses(cri, dir)).toEqual(new Map([["uid-a", 2], ["uid-b", 1]]));
  });
});
