import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RuntimePod } from "../pod-runtime-view.ts";
import { fakeCri, FakePodView, podObject } from "../test-fixtures.ts";
import { createPodNetworkReader, networkSummary, parsePodNetDev, type PodNetwork } from "./pod-network.ts";
import { createSummaryProvider } from "./summary.ts";

const HEADER = [
  "Inter-|   Receive                                                |  Transmit",
  " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed",
];
const netDev = (...lines: string[]) => [...HEADER, ...lines, ""].join("\n");
const POD_DEV = netDev(
  "    lo:     900      9    0    0    0     0          0         0      900       9    0    0    0     0       0          0",
  "  eth0:    1000     10    1    2    0     0          0         0     2000      20    3    4    0     0       0          0",
  "  net1:      50      1    0    0    0     0          0         0       60       2    0    0    0     0       0          0",
);
const SB = "5b1d0c0ffee";
const T = Date.UTC(2024, 4, 1, 10);

describe("/proc/<pid>/net/dev", () => {
  test("all eight counters; cAdvisor's ignored interfaces (lo, veth, docker, nerdctl) left out", () => {
    const text = netDev(
      "    lo: 1 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0",
      "  eth0: 1000 10 1 2 0 0 0 0 2000 20 3 4 0 0 0 0",
      "veth12ab: 5 5 0 0 0 0 0 0 5 5 0 0 0 0 0 0",
      "docker0: 5 5 0 0 0 0 0 0 5 5 0 0 0 0 0 0",
      "nerdctl0: 5 5 0 0 0 0 0 0 5 5 0 0 0 0 0 0",
      "  cni0: 7 1 0 0 0 0 0 0 8 1 0 0 0 0 0 0",
    );
    expect(parsePodNetDev(text)).toEqual([
      { name: "eth0", rxBytes: 1000, rxPackets: 10, rxErrors: 1, rxDropped: 2, txBytes: 2000, txPackets: 20, txErrors: 3, txDropped: 4 },
      { name: "cni0", rxBytes: 7, rxPackets: 1, rxErrors: 0, rxDropped: 0, txBytes: 8, txPackets: 1, txErrors: 0, txDropped: 0 },
    ]);
  });

  test("Summary network: eth0 inline, every interface listed; no eth0: name \"\"; no interface: no list", () => {
    const n: PodNetwork = { sandboxId: SB, cgroup: `/k8s.io/${SB}`, timestampMs: T, interfaces: parsePodNetDev(POD_DEV) };
    expect(networkSummary(n)).toEqual({
      time: "2024-05-01T10:00:00Z", name: "eth0", rxBytes: 1000, rxErrors: 1, txBytes: 2000, txErrors: 3,
      interfaces: [
        { name: "eth0", rxBytes: 1000, rxErrors: 1, txBytes: 2000, txErrors: 3 },
        { name: "net1", rxBytes: 50, rxErrors: 0, txBytes: 60, txErrors: 0 },
      ],
    });
    expect(networkSummary({ ...n, interfaces: n.interfaces.slice(1) })).toEqual({
      time: "2024-05-01T10:00:00Z", name: "", interfaces: [{ name: "net1", rxBytes: 50, rxErrors: 0, txBytes: 60, txErrors: 0 }],
    });
    expect(networkSummary({ ...n, interfaces: [] })).toEqual({ time: "2024-05-01T10:00:00Z", name: "" });
  });
});

describe("pod network reader (fake /proc)", () => {
  let proc: string;
  beforeEach(async () => {
    proc = await mkdtemp(join(tmpdir(), "lite-fake-proc-"));
  });
  afterEach(async () => {
    await rm(proc, { recursive: true, force: true });
  });
  const addProcess = async (pid: number, cgroup: string, dev?: string) => {
    await mkdir(join(proc, String(pid), "net"), { recursive: true });
    await writeFile(join(proc, String(pid), "cgroup"), cgroup);
    if (dev !== undefined) await writeFile(join(proc, String(pid), "net", "dev"), dev);
  };
  const rp = (name: string, sandboxId?: string): RuntimePod => ({ pod: podObject("default", name, ["app"]), sandboxId, containers: [{ name: "app", containerId: `c-${name}`, state: "running" }] });

  test("the sandbox's lowest pid; cached for a scrape; re-found when it goes; unknown sandboxes retried later", async () => {
    await addProcess(7, "0::/system.slice/containerd.service\n", netDev("  eth0: 1 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0"));
    await addProcess(42, `0::/k8s.io/${SB}\n`, POD_DEV);
    await addProcess(43, `0::/k8s.io/${SB}\n`, netDev("  eth0: 9 9 9 9 0 0 0 0 9 9 9 9 0 0 0 0")); // a child: not read
    let t = T;
    const read = createPodNetworkReader({ procRoot: proc, now: () => t, cacheMs: 1000, retryMs: 5000 });
    const pods = [rp("web", SB), rp("gone", "sb-gone"), rp("pending")];
    const first = await read(pods);
    expect([...first.keys()]).toEqual([SB]);
    expect(first.get(SB)).toEqual({ sandboxId: SB, cgroup: `/k8s.io/${SB}`, timestampMs: T, interfaces: parsePodNetDev(POD_DEV) });

    // Within the cache time the same read is answered (the second endpoint of one scrape).
    await writeFile(join(proc, "42", "net", "dev"), netDev("  eth0: 5000 50 0 0 0 0 0 0 6000 60 0 0 0 0 0 0"));
    t += 500;
    expect((await read(pods)).get(SB)!.interfaces[0]!.rxBytes).toBe(1000);
    t += 1000;
    expect((await read(pods)).get(SB)).toMatchObject({ timestampMs: T + 1500, interfaces: [{ name: "eth0", rxBytes: 5000, txBytes: 6000 }] });

    // The pid now belongs to someone else: the sandbox is looked for again (pid 43).
    await writeFile(join(proc, "42", "cgroup"), "0::/user.slice\n");
    t += 1000;
    expect((await read(pods)).get(SB)!.interfaces[0]!.rxBytes).toBe(9);

    // sb-gone was missed at T: not looked for before the retry interval.
    await addProcess(50, "0::/k8s.io/sb-gone\n", POD_DEV);
    t = T + 4000;
    expect((await read(pods)).has("sb-gone")).toBe(false);
    t = T + 5000;
    expect((await read(pods)).has("sb-gone")).toBe(true);
  });

  test("a process without a readable net/dev is skipped: no invented values", async () => {
    await addProcess(42, `0::/k8s.io/${SB}\n`);
    const read = createPodNetworkReader({ procRoot: proc });
    expect((await read([rp("web", SB)])).size).toBe(0);
  });

  test("Summary: pods[].network from the reader; none with only_cpu_and_memory or when not found", async () => {
    const view = new FakePodView();
    view.set(rp("web", SB));
    view.set(rp("lost", "sb-lost"));
    const calls: number[] = [];
    const summary = createSummaryProvider({
      nodeName: "node-1", cri: fakeCri().cri, pods: view, fsPath: tmpdir(),
      network: async (pods) => {
        calls.push(pods.length);
        return new Map([[SB, { sandboxId: SB, cgroup: `/k8s.io/${SB}`, timestampMs: T, interfaces: parsePodNetDev(POD_DEV) }]]);
      },
    });
    const s = JSON.parse(JSON.stringify(await summary(false)));
    const web = s.pods.find((p: any) => p.podRef.name === "web");
    expect(Object.keys(web)).toEqual(["podRef", "startTime", "containers", "cpu", "memory", "network", "ephemeral-storage"]);
    expect(web.network).toEqual({
      time: "2024-05-01T10:00:00Z", name: "eth0", rxBytes: 1000, rxErrors: 1, txBytes: 2000, txErrors: 3,
      interfaces: [
        { name: "eth0", rxBytes: 1000, rxErrors: 1, txBytes: 2000, txErrors: 3 },
        { name: "net1", rxBytes: 50, rxErrors: 0, txBytes: 60, txErrors: 0 },
      ],
    });
    expect(s.pods.find((p: any) => p.podRef.name === "lost").network).toBeUndefined();
    const only = await summary(true);
    expect(only.pods.every((p) => p.network === undefined)).toBe(true);
    expect(calls).toEqual([2]);
  });
});
