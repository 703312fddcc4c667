import { describe, expect, test } from "bun:test";
import type { Container, CriClient, ContainerStats, Image } from "../../cri/types.ts";
import type { Pod } from "../pod-types.ts";
import { POD_UID_LABEL } from "../runtime-labels.ts";
import { evictionRound } from "./eviction-manager.ts";
import { rankForEviction } from "./eviction-ranking.ts";
import { collectImages } from "./image-gc.ts";

const GiB = 1024 ** 3;
const pod = (name: string, opts: { request?: string; priority?: number; critical?: boolean } = {}): Pod => ({
  apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default", uid: `uid-${name}` },
  spec: {
    containers: [{ name: "c", image: "busybox", ...(opts.request ? { resources: { requests: { memory: opts.request } } } : {}) }],
    ...(opts.priority !== undefined ? { priority: opts.priority } : {}),
    ...(opts.critical ? { priorityClassName: "system-node-critical" } : {}),
  },
});

function fakeCri(images: Image[], containers: Partial<Container>[], stats: ContainerStats[] = []): CriClient & { removed: string[] } {
  const removed: string[] = [];
  return {
    removed,
    listImages: async () => images.filter((i) => !removed.includes(i.id)),
    listContainers: async () => containers as Container[],
    removeImage: async (id: string) => { removed.push(id); },
    listContainerStats: async () => stats,
  } as unknown as CriClient & { removed: string[] };
}
const image = (id: string, tag: string, size: number, pinned = false): Image => ({ id, repoTags: [tag], repoDigests: [], size, pinned });
const stat = (uid: string, workingSet: number): ContainerStats => ({ attributes: { id: uid, metadata: { name: "c", attempt: 0 }, labels: { [POD_UID_LABEL]: uid }, annotations: {} }, memory: { timestamp: 0, workingSetBytes: { value: workingSet } } });

describe("node-pressure eviction ranking (upstream rankMemoryPressure)", () => {
  test("pods over their requests go first, then lower priority, then larger usage above requests; critical pods never", () => {
    const pods = [pod("within", { request: "1Gi" }), pod("over-small"), pod("over-big"), pod("high-prio", { priority: 1000 }), pod("critical", { critical: true })];
    const usage: Record<string, number> = { "uid-within": 0.5 * GiB, "uid-over-small": 0.1 * GiB, "uid-over-big": 0.8 * GiB, "uid-high-prio": 2 * GiB, "uid-critical": 5 * GiB };
    const order = rankForEviction(pods, "memory", (uid) => usage[uid] ?? 0).map((p) => p.metadata.name);
    expect(order).toEqual(["over-big", "over-small", "high-prio", "within"]);
  });
});

describe("image garbage collection (upstream image_gc_manager thresholds 85%/80%)", () => {
  test("below the high threshold nothing is removed", async () => {
    const cri = fakeCri([image("sha256:a", "a:1", GiB)], []);
    const r = await collectImages(cri, { capacityBytes: 100 * GiB, availableBytes: 20 * GiB }, new Set());
    expect(r.removed).toEqual([]);
  });
  test("at 90% used, unused images are removed (largest first) until 80%, keeping in-use, pinned and built-in ones", async () => {
    const cri = fakeCri(
      [image("sha256:used", "used:1", 8 * GiB), image("sha256:pinned", "pause:1", 8 * GiB, true), image("sha256:builtin", "docker.io/library/busybox:latest", 8 * GiB),
        image("sha256:big", "big:1", 6 * GiB), image("sha256:mid", "mid:1", 5 * GiB), image("sha256:small", "small:1", 1 * GiB)],
      [{ imageRef: "sha256:used", image: { image: "used:1" } }],
    );
    const r = await collectImages(cri, { capacityBytes: 100 * GiB, availableBytes: 10 * GiB }, new Set(["docker.io/library/busybox:latest"]));
    expect(r.removed).toEqual(["big:1", "mid:1"]); // 11 GiB freed >= the 10 GiB needed to reach 80%
    expect(cri.removed).toEqual(["sha256:big", "sha256:mid"]);
  });
});

describe("eviction round", () => {
  const paths = { root: "/tmp", containerdRoot: "/tmp" } as never;
  const log = { info() {}, warn() {}, debug() {}, error() {} } as never;
  test("memory pressure evicts the top-ranked pod with upstream's message; no pressure evicts nothing", async () => {
    const pods = [pod("a", { request: "1Gi" }), pod("b")];
    const evicted: [string, string][] = [];
    const cri = fakeCri([], [], [stat("uid-a", 0.5 * GiB), stat("uid-b", 0.2 * GiB)]);
    const base = { cri, paths, log, pods: () => pods, keepImages: new Set<string>(), evict: async (p: Pod, m: string) => { evicted.push([p.metadata.name!, m]); } };
    const calm = await evictionRound({ ...base, signals: () => ({ memory: { availableBytes: 4 * GiB, capacityBytes: 8 * GiB } }) });
    expect(calm.evicted).toBeUndefined();
    const low = await evictionRound({ ...base, signals: () => ({ memory: { availableBytes: 50 * 1024 * 1024, capacityBytes: 8 * GiB } }) });
    expect(low.evicted).toBe("default/b");
    expect(evicted[0]![1]).toBe("The node was low on resource: memory. Threshold quantity: 100Mi, available: 51200Ki. Pod was using 209715Ki.");
  });
});
