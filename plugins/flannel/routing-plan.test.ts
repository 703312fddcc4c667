import { describe, expect, test } from "bun:test";
import type { Lease } from "./annotations.ts";
import { desiredState, planCommands, subnetAddress, type ActualState } from "./routing-plan.ts";

const vx = (nodeName: string, podCIDR: string, publicIP: string, vtepMAC: string): Lease => ({ nodeName, podCIDR, backendType: "vxlan", publicIP, vtepMAC, vni: 1 });
const hg = (nodeName: string, podCIDR: string, publicIP: string): Lease => ({ nodeName, podCIDR, backendType: "host-gw", publicIP });
const leases = [
  vx("a", "10.42.0.0/24", "10.99.0.1", "0a:00:00:00:00:01"),
  vx("b", "10.42.1.0/24", "10.99.0.2", "0a:00:00:00:00:02"),
  vx("c", "10.42.2.0/24", "10.99.0.3", "0a:00:00:00:00:03"),
];
const none: ActualState = { routes: [], neighbours: [], fdb: [] };

describe("flannel desired forwarding state", () => {
  test("vxlan: per other node a route via its subnet address onlink, a permanent neighbour and an FDB entry to its public IP", () => {
    expect(subnetAddress("10.42.1.0/24")).toBe("10.42.1.0");
    expect(desiredState({ backend: "vxlan", selfName: "a", selfPodCIDR: "10.42.0.0/24", externalInterface: "eth0", leases })).toEqual({
      routes: [
        { dst: "10.42.1.0/24", via: "10.42.1.0", dev: "flannel.1", onlink: true },
        { dst: "10.42.2.0/24", via: "10.42.2.0", dev: "flannel.1", onlink: true },
      ],
      neighbours: [{ ip: "10.42.1.0", mac: "0a:00:00:00:00:02" }, { ip: "10.42.2.0", mac: "0a:00:00:00:00:03" }],
      fdb: [{ mac: "0a:00:00:00:00:02", dst: "10.99.0.2" }, { mac: "0a:00:00:00:00:03", dst: "10.99.0.3" }],
    });
  });

  test("host-gw: a route to each other node's pod CIDR via its node IP on the external interface", () => {
    const hgLeases = [hg("a", "10.42.0.0/24", "10.99.0.1"), hg("b", "10.42.1.0/24", "10.99.0.2")];
    expect(desiredState({ backend: "host-gw", selfName: "a", selfPodCIDR: "10.42.0.0/24", externalInterface: "eth1", leases: hgLeases })).toEqual({
      routes: [{ dst: "10.42.1.0/24", via: "10.99.0.2", dev: "eth1", onlink: false }], neighbours: [], fdb: [],
    });
  });

  test("leases of another backend type, and those overlapping this node's subnet, are ignored (as upstream)", () => {
    const mixed = [...leases, hg("d", "10.42.3.0/24", "10.99.0.4"), vx("e", "10.42.0.128/25", "10.99.0.5", "0a:00:00:00:00:05")];
    const d = desiredState({ backend: "vxlan", selfName: "a", selfPodCIDR: "10.42.0.0/24", externalInterface: "eth0", leases: mixed });
    expect(d.routes.map((r) => r.dst)).toEqual(["10.42.1.0/24", "10.42.2.0/24"]);
  });
});

describe("flannel reconcile plan", () => {
  const desired = desiredState({ backend: "vxlan", selfName: "a", selfPodCIDR: "10.42.0.0/24", externalInterface: "eth0", leases });

  test("from nothing: neighbours and FDB entries first, then routes", () => {
    expect(planCommands(desired, none)).toEqual([
      ["ip", "neigh", "replace", "10.42.1.0", "lladdr", "0a:00:00:00:00:02", "dev", "flannel.1", "nud", "permanent"],
      ["ip", "neigh", "replace", "10.42.2.0", "lladdr", "0a:00:00:00:00:03", "dev", "flannel.1", "nud", "permanent"],
      ["bridge", "fdb", "replace", "0a:00:00:00:00:02", "dev", "flannel.1", "dst", "10.99.0.2", "self", "permanent"],
      ["bridge", "fdb", "replace", "0a:00:00:00:00:03", "dev", "flannel.1", "dst", "10.99.0.3", "self", "permanent"],
      ["ip", "route", "replace", "10.42.1.0/24", "via", "10.42.1.0", "dev", "flannel.1", "onlink", "proto", "108"],
      ["ip", "route", "replace", "10.42.2.0/24", "via", "10.42.2.0", "dev", "flannel.1", "onlink", "proto", "108"],
    ]);
  });

  // What `ip -j` reports once the desired state is in place.
  const programmed: ActualState = {
    routes: desired.routes.map((r) => ({ dst: r.dst, gateway: r.via, dev: r.dev, flags: ["onlink"] })),
    neighbours: desired.neighbours.map((n) => ({ dst: n.ip, lladdr: n.mac, state: ["PERMANENT"] })),
    fdb: desired.fdb.map((f) => ({ mac: f.mac, dst: f.dst, flags: ["self"], state: "permanent" })),
  };

  test("nothing to do when the kernel holds the desired state; the kernel's own transient neighbours are left alone", () => {
    expect(planCommands(desired, programmed)).toEqual([]);
    expect(planCommands(desired, { ...programmed, neighbours: [...programmed.neighbours, { dst: "10.42.9.0", state: ["FAILED"] }] })).toEqual([]);
  });

  test("a node gone: its route goes first, then its neighbour and FDB entry", () => {
    const withoutC = desiredState({ backend: "vxlan", selfName: "a", selfPodCIDR: "10.42.0.0/24", externalInterface: "eth0", leases: leases.slice(0, 2) });
    expect(planCommands(withoutC, programmed)).toEqual([
      ["ip", "route", "del", "10.42.2.0/24", "via", "10.42.2.0", "dev", "flannel.1", "proto", "108"],
      ["ip", "neigh", "del", "10.42.2.0", "dev", "flannel.1"],
      ["bridge", "fdb", "del", "0a:00:00:00:00:03", "dev", "flannel.1", "dst", "10.99.0.3", "self"],
    ]);
  });

  test("a node changed its IP and MAC: the stale FDB entry goes, the neighbour is replaced, the route is kept", () => {
    const moved = [leases[0]!, vx("b", "10.42.1.0/24", "10.99.0.22", "0a:00:00:00:00:22"), leases[2]!];
    const d = desiredState({ backend: "vxlan", selfName: "a", selfPodCIDR: "10.42.0.0/24", externalInterface: "eth0", leases: moved });
    expect(planCommands(d, programmed)).toEqual([
      ["bridge", "fdb", "del", "0a:00:00:00:00:02", "dev", "flannel.1", "dst", "10.99.0.2", "self"],
      ["ip", "neigh", "replace", "10.42.1.0", "lladdr", "0a:00:00:00:00:22", "dev", "flannel.1", "nud", "permanent"],
      ["bridge", "fdb", "replace", "0a:00:00:00:00:22", "dev", "flannel.1", "dst", "10.99.0.22", "self", "permanent"],
    ]);
  });

  test("switching to host-gw: the vxlan routes go (flannel.1 is gone), host-gw routes come; other protocols' routes are never read", () => {
    const hgLeases = [hg("a", "10.42.0.0/24", "10.99.0.1"), hg("b", "10.42.1.0/24", "10.99.0.2")];
    const d = desiredState({ backend: "host-gw", selfName: "a", selfPodCIDR: "10.42.0.0/24", externalInterface: "eth0", leases: hgLeases });
    const stale: ActualState = { routes: [{ dst: "10.42.5.0/24", gateway: "10.99.0.5", dev: "eth0", flags: [] }], neighbours: [], fdb: [] };
    expect(planCommands(d, stale, false)).toEqual([
      ["ip", "route", "del", "10.42.5.0/24", "via", "10.99.0.5", "dev", "eth0", "proto", "108"],
      ["ip", "route", "replace", "10.42.1.0/24", "via", "10.99.0.2", "dev", "eth0", "proto", "108"],
    ]);
  });
});
