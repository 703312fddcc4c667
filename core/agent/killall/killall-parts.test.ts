import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import type { ProcessEntry } from "../containerd/process-table.ts";
import { mountsUnder, readMounts } from "./mounts.ts";
import { cniBridgeNames, deleteDevice, deleteFlannelRoutes, deleteLiteNftTables, deletePodVeths } from "./network-cleanup.ts";
import { findShims } from "./shims.ts";

const dir = mkdtempSync(`${tmpdir()}/lite-killall-test-`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("readMounts decodes escapes; mountsUnder returns deepest first and only under the dir", () => {
  writeFileSync(`${dir}/mountinfo`, [
    "22 1 8:1 / / rw - ext4 /dev/vda rw",
    "30 22 0:50 / /data/agent/run/containerd/x/rootfs rw - overlay overlay rw,lowerdir=a",
    "31 22 0:51 / /data/agent/pods/u/volumes/my\\040vol rw - tmpfs tmpfs rw",
    "32 30 0:52 / /data/agent/run/containerd/x/rootfs/proc rw - proc proc rw",
    "33 22 0:53 / /data/agent-other/y rw - tmpfs tmpfs rw",
    "",
  ].join("\n"));
  const mounts = readMounts(`${dir}/mountinfo`);
  expect(mounts[2]).toEqual({ mountPoint: "/data/agent/pods/u/volumes/my vol", fsType: "tmpfs", source: "tmpfs", superOptions: "rw" });
  expect(mountsUnder("/data/agent", mounts)).toEqual([
    "/data/agent/run/containerd/x/rootfs/proc",
    "/data/agent/run/containerd/x/rootfs",
    "/data/agent/pods/u/volumes/my vol",
  ]);
});

test("findShims matches only shims of the given socket and collects their process trees", () => {
  const sock = "/d/agent/run/containerd/containerd.sock";
  const procs: ProcessEntry[] = [
    { pid: 10, ppid: 1, argv: ["/usr/bin/containerd-shim-runc-v2", "-namespace", "k8s.io", "-id", "abc", "-address", sock] },
    { pid: 11, ppid: 10, argv: ["/bin/sh", "-c", "pause"] },
    { pid: 12, ppid: 11, argv: ["sleep", "3600"] },
    { pid: 20, ppid: 1, argv: ["/usr/bin/containerd-shim-runc-v2", "-namespace", "k8s.io", "-id", "def", "-address", `${sock}2`] },
    { pid: 21, ppid: 20, argv: ["nginx"] },
    { pid: 30, ppid: 1, argv: ["bash", "-c", `echo -address ${sock}`] },
  ];
  const shims = findShims(sock, procs);
  expect(shims).toHaveLength(1);
  expect(shims[0]!.id).toBe("abc");
  expect(shims[0]!.namespace).toBe("k8s.io");
  expect(shims[0]!.descendants.map((p) => p.pid)).toEqual([12, 11]);
});

test("cniBridgeNames reads bridge plugins from conflists (default cni0)", () => {
  const conf = `${dir}/net.d`;
  spawnSync("mkdir", ["-p", conf]);
  writeFileSync(`${conf}/10-lite.conflist`, JSON.stringify({ cniVersion: "1.0.0", name: "cbr0", plugins: [{ type: "bridge", bridge: "litebr0" }, { type: "portmap" }] }));
  writeFileSync(`${conf}/20-other.conf`, JSON.stringify({ type: "bridge" }));
  writeFileSync(`${conf}/junk.conf`, "not json");
  expect(cniBridgeNames(conf).sort()).toEqual(["cni0", "litebr0"]);
  expect(cniBridgeNames(`${dir}/absent`)).toEqual([]);
});

const isRoot = process.getuid?.() === 0;
describe.skipIf(!isRoot)("network cleanup in namespaces this test creates", () => {
  const suffix = `${process.pid}`;
  const nodeNs = `lite-kt-node-${suffix}`;
  const podNs = `lite-kt-pod-${suffix}`;
  const routeNs = `lite-kt-rt-${suffix}`;
  const ip = (...args: string[]) => {
    const r = spawnSync("ip", args, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`ip ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };
  afterAll(() => {
    spawnSync("ip", ["netns", "delete", nodeNs]);
    spawnSync("ip", ["netns", "delete", podNs]);
    spawnSync("ip", ["netns", "delete", routeNs]);
  });

  test("pod veths, the bridge, and lite nftables tables go; other devices and tables stay", () => {
    ip("netns", "add", nodeNs);
    ip("netns", "add", podNs);
    const node = `/run/netns/${nodeNs}`;
    const pod = `/run/netns/${podNs}`;
    ip("-n", nodeNs, "link", "add", "cni0", "type", "bridge");
    ip("-n", nodeNs, "link", "add", "vethpod1", "type", "veth", "peer", "name", "eth0", "netns", podNs);
    ip("-n", nodeNs, "link", "set", "vethpod1", "master", "cni0");
    ip("-n", nodeNs, "link", "add", "keepme0", "type", "bridge");
    for (const t of [["inet", "lite-proxy"], ["ip", "litefw"], ["inet", "other"]]) {
      expect(spawnSync("ip", ["netns", "exec", nodeNs, "nft", "add", "table", ...t]).status).toBe(0);
    }

    // The bridge still has a pod's port: kept.
    expect(deleteDevice(node, "cni0")).toMatch(/kept cni0: it still has ports vethpod1/);
    expect(deletePodVeths(pod)).toEqual([`deleted veth eth0 in pod netns ${pod} (and its host peer)`]);
    expect(ip("-n", nodeNs, "link", "show")).not.toContain("vethpod1");
    expect(deleteDevice(node, "cni0")).toBe("deleted network device cni0");
    expect(deleteDevice(node, "cni0")).toBeUndefined();
    expect(ip("-n", nodeNs, "link", "show")).toContain("keepme0");

    expect(deleteLiteNftTables(node).sort()).toEqual(["deleted nftables table inet lite-proxy", "deleted nftables table ip litefw"]);
    const left = spawnSync("ip", ["netns", "exec", nodeNs, "nft", "list", "tables"], { encoding: "utf8" }).stdout;
    expect(left.trim()).toBe("table inet other");
    expect(deleteLiteNftTables(node)).toEqual([]);
  });

  test("flannel's routes (protocol 108) go; other routes on the same interface stay", () => {
    ip("netns", "add", routeNs);
    const node = `/run/netns/${routeNs}`;
    ip("-n", routeNs, "link", "add", "uplink0", "type", "bridge");
    ip("-n", routeNs, "addr", "add", "10.99.0.2/24", "dev", "uplink0");
    ip("-n", routeNs, "link", "set", "uplink0", "up");
    ip("-n", routeNs, "route", "add", "10.42.1.0/24", "via", "10.99.0.3", "dev", "uplink0", "proto", "108");
    ip("-n", routeNs, "route", "add", "10.77.0.0/24", "via", "10.99.0.4", "dev", "uplink0");
    expect(deleteFlannelRoutes(node)).toEqual(["deleted route 10.42.1.0/24 dev uplink0"]);
    const left = ip("-n", routeNs, "-4", "route", "show");
    expect(left).not.toContain("10.42.1.0/24");
    expect(left).toContain("10.77.0.0/24 via 10.99.0.4");
    expect(deleteFlannelRoutes(node)).toEqual([]);
  });
});
