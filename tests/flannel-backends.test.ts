/**
 * flannel's vxlan and host-gw backends programming real kernels: three "nodes", each a network
 * namespace joined by a veth pair to a bridge in a "hub" namespace (which also plays the world
 * outside the cluster, 203.0.113.1), each with a "pod" namespace on its cni0 bridge. The backend
 * code runs for every node inside its namespace with the others' Node objects (as the Nodes
 * informer hands them over); then pods talk to pods across nodes over TCP, traffic leaving the
 * cluster is masqueraded, and a departed node's routes, neighbours and FDB entries go away.
 * Traffic goes only to addresses inside the namespaces this file creates.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { leaseOf, nodeAnnotations, type Backend, type FlannelNode, type Lease } from "../plugins/flannel/annotations.ts";
import { reconcileRoutes, setupBackend } from "../plugins/flannel/backend.ts";
import { createCommandRunner, type CommandRunner } from "../plugins/flannel/command-runner.ts";
import { findExternalInterface, type ExternalInterface } from "../plugins/flannel/host-network.ts";
import { ensureMasquerade, masqueradeRuleset } from "../plugins/flannel/masquerade.ts";
import { uninstallFlannel } from "../plugins/flannel/uninstall.ts";

const CLUSTER = "10.42.0.0/16";
const OUTSIDE = "203.0.113.1";
const PORT = 7777;
const tag = Math.random().toString(16).slice(2, 8);
const hub = `lt-fl-${tag}-hub`;
const scratch = mkdtempSync(`${tmpdir()}/lite-flannel-netns-`);
const echoScript = `${scratch}/echo.ts`;
const servers: ReturnType<typeof Bun.spawn>[] = [];
const namespaces: string[] = [];
const root = process.getuid?.() === 0;

interface TestNode {
  name: string;
  ns: string;
  podNs: string;
  nodeIP: string;
  podCIDR: string;
  podIP: string;
  runner: CommandRunner;
  external?: ExternalInterface;
  object?: FlannelNode;
}
const nodes: TestNode[] = [1, 2, 3].map((i) => ({
  name: `node-${i}`,
  ns: `lt-fl-${tag}-n${i}`,
  podNs: `lt-fl-${tag}-p${i}`,
  nodeIP: `10.99.0.${i}`,
  podCIDR: `10.42.${i - 1}.0/24`,
  podIP: `10.42.${i - 1}.2`,
  runner: createCommandRunner({ netns: `lt-fl-${tag}-n${i}` }),
}));

function sh(argv: string[]): { code: number; out: string; err: string } {
  const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}
function must(argv: string[]): string {
  const r = sh(argv);
  if (r.code !== 0) throw new Error(`${argv.join(" ")}: ${r.err}`);
  return r.out;
}
const json = <T>(argv: string[]): T[] => JSON.parse(must(argv).trim() || "[]") as T[];

/** Connects from `fromNs` to ip:PORT; resolves with what the server said (the client address it saw), or undefined if unreachable. */
async function ask(fromNs: string, ip: string): Promise<string | undefined> {
  const p = Bun.spawn(["ip", "netns", "exec", fromNs, "timeout", "2", "bash", "-c", `exec 3<>/dev/tcp/${ip}/${PORT} && cat <&3`], { stdout: "pipe", stderr: "pipe" });
  const [out, code] = await Promise.all([new Response(p.stdout).text(), p.exited]);
  return code === 0 ? out.trim() : undefined;
}

/** An echo server in `ns` on ip:PORT that tells each client the address it sees. */
async function startServer(ns: string, ip: string) {
  const p = Bun.spawn(["ip", "netns", "exec", ns, process.execPath, echoScript, ip, String(PORT)], { stdout: "pipe", stderr: "inherit" });
  servers.push(p);
  const reader = p.stdout.getReader();
  const { value } = await reader.read();
  reader.releaseLock();
  if (!new TextDecoder().decode(value).includes("ready")) throw new Error(`echo server in ${ns} did not start`);
}

function nodeObject(n: TestNode, backend: Backend, vtepMAC?: string): FlannelNode {
  return Object.freeze({
    apiVersion: "v1", kind: "Node",
    metadata: { name: n.name, annotations: nodeAnnotations({ backend, publicIP: n.external!.address, vtepMAC }) },
    spec: { podCIDR: n.podCIDR, podCIDRs: [n.podCIDR] },
  });
}
const leases = (of: readonly TestNode[]): Lease[] => of.map((n) => leaseOf(n.object!)!);

async function program(backend: Backend, members: readonly TestNode[] = nodes) {
  for (const n of members) {
    n.external = await findExternalInterface(n.runner, { nodeIP: n.nodeIP });
    const setup = await setupBackend(n.runner, { backend, podCIDR: n.podCIDR, external: n.external });
    n.object = nodeObject(n, backend, setup.vtepMAC);
    await ensureMasquerade(n.runner, masqueradeRuleset({ clusterCIDR: CLUSTER, podCIDR: n.podCIDR }));
  }
  const results = [];
  for (const n of members) results.push(await reconcileRoutes(n.runner, { backend, selfName: n.name, selfPodCIDR: n.podCIDR, external: n.external!, leases: leases(members) }));
  return results;
}

const routesOf = (n: TestNode) => json<{ dst: string; gateway?: string; dev?: string; flags?: string[] }>(["ip", "-n", n.ns, "-j", "-4", "route", "show", "proto", "108"]);

beforeAll(async () => {
  if (!root) return;
  writeFileSync(echoScript, `
    const [host, port] = process.argv.slice(2);
    Bun.listen({ hostname: host, port: Number(port), socket: { open(s) { s.end(s.remoteAddress + "\\n"); }, data() {} } });
    console.log("ready");
  `);
  const add = (ns: string) => { must(["ip", "netns", "add", ns]); namespaces.push(ns); must(["ip", "-n", ns, "link", "set", "lo", "up"]); };
  add(hub);
  must(["ip", "-n", hub, "link", "add", "br0", "type", "bridge"]);
  must(["ip", "-n", hub, "addr", "add", "10.99.0.254/24", "dev", "br0"]);
  must(["ip", "-n", hub, "addr", "add", `${OUTSIDE}/32`, "dev", "lo"]);
  must(["ip", "-n", hub, "link", "set", "br0", "up"]);
  for (const [i, n] of nodes.entries()) {
    add(n.ns);
    add(n.podNs);
    // node <-> hub
    must(["ip", "-n", hub, "link", "add", `v${i}`, "type", "veth", "peer", "name", "eth0", "netns", n.ns]);
    must(["ip", "-n", hub, "link", "set", `v${i}`, "master", "br0", "up"]);
    must(["ip", "-n", n.ns, "addr", "add", `${n.nodeIP}/24`, "dev", "eth0"]);
    must(["ip", "-n", n.ns, "link", "set", "eth0", "up"]);
    must(["ip", "-n", n.ns, "route", "add", "default", "via", "10.99.0.254"]);
    must(["ip", "netns", "exec", n.ns, "sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward"]);
    // pod <-> node's cni0 (what the CNI bridge plugin builds)
    const gw = n.podIP.replace(/\.2$/, ".1");
    must(["ip", "-n", n.ns, "link", "add", "cni0", "type", "bridge"]);
    must(["ip", "-n", n.ns, "addr", "add", `${gw}/24`, "dev", "cni0"]);
    must(["ip", "-n", n.ns, "link", "set", "cni0", "up"]);
    must(["ip", "-n", n.ns, "link", "add", "vethpod", "type", "veth", "peer", "name", "eth0", "netns", n.podNs]);
    must(["ip", "-n", n.ns, "link", "set", "vethpod", "master", "cni0", "up"]);
    must(["ip", "-n", n.podNs, "addr", "add", `${n.podIP}/24`, "dev", "eth0"]);
    must(["ip", "-n", n.podNs, "link", "set", "eth0", "up"]);
    must(["ip", "-n", n.podNs, "route", "add", "default", "via", gw]);
  }
  await Promise.all([...nodes.map((n) => startServer(n.podNs, n.podIP)), startServer(hub, OUTSIDE)]);
});

afterAll(async () => {
  for (const p of servers) p.kill();
  await Promise.all(servers.map((p) => p.exited));
  for (const ns of namespaces.reverse()) sh(["ip", "netns", "del", ns]);
  rmSync(scratch, { recursive: true, force: true });
});

describe.skipIf(!root)("flannel backends between network namespaces", () => {
  test("vxlan: flannel.1 as upstream makes it; pods reach pods on every other node with their own addresses; leaving the cluster is masqueraded", async () => {
    expect(await ask(nodes[0]!.podNs, nodes[1]!.podIP)).toBeUndefined(); // nothing programmed yet: no way across
    await program("vxlan");
    const [n1, n2, n3] = nodes as [TestNode, TestNode, TestNode];

    const [link] = json<{ mtu: number; address: string; flags: string[]; linkinfo: { info_kind: string; info_data: Record<string, unknown> } }>(["ip", "-n", n1.ns, "-j", "-d", "link", "show", "flannel.1"]);
    expect(link!.linkinfo.info_kind).toBe("vxlan");
    expect(link!.linkinfo.info_data).toMatchObject({ id: 1, local: "10.99.0.1", link: "eth0", port: 8472, learning: false });
    expect(link!.mtu).toBe(1450);
    expect(link!.flags).toContain("UP");
    expect(must(["ip", "-n", n1.ns, "-4", "addr", "show", "dev", "flannel.1"])).toContain("inet 10.42.0.0/32");
    expect(n1.object!.metadata.annotations).toEqual({
      "flannel.alpha.coreos.com/backend-data": `{"VNI":1,"VtepMAC":"${link!.address}"}`,
      "flannel.alpha.coreos.com/backend-type": "vxlan",
      "flannel.alpha.coreos.com/kube-subnet-manager": "true",
      "flannel.alpha.coreos.com/public-ip": "10.99.0.1",
    });

    const mac = (n: TestNode) => leaseOf(n.object!)!.vtepMAC!;
    expect(routesOf(n1).map((r) => [r.dst, r.gateway, r.dev, r.flags])).toEqual([
      ["10.42.1.0/24", "10.42.1.0", "flannel.1", ["onlink"]],
      ["10.42.2.0/24", "10.42.2.0", "flannel.1", ["onlink"]],
    ]);
    expect(json<{ dst: string; lladdr: string; state: string[] }>(["ip", "-n", n1.ns, "-j", "neigh", "show", "dev", "flannel.1", "nud", "permanent"]).map((e) => [e.dst, e.lladdr]).sort())
      .toEqual([["10.42.1.0", mac(n2)], ["10.42.2.0", mac(n3)]]);
    expect(json<{ mac: string; dst?: string }>(["bridge", "-n", n1.ns, "-j", "fdb", "show", "dev", "flannel.1"]).filter((e) => e.dst).map((e) => [e.mac, e.dst]).sort())
      .toEqual([[mac(n2), "10.99.0.2"], [mac(n3), "10.99.0.3"]].sort());

    // Pod to pod across nodes, the source kept (no masquerade inside the cluster CIDR).
    expect(await ask(n1.podNs, n2.podIP)).toBe(n1.podIP);
    expect(await ask(n2.podNs, n3.podIP)).toBe(n2.podIP);
    expect(await ask(n3.podNs, n1.podIP)).toBe(n3.podIP);
    // The node itself reaches remote pods (from flannel.1's address).
    expect(await ask(n1.ns, n3.podIP)).toBe("10.42.0.0");
    // Leaving the cluster CIDR: masqueraded to the node's address (the outside has no route back to pods).
    expect(await ask(n1.podNs, OUTSIDE)).toBe(n1.nodeIP);
    // Coming from outside to a node's own pods: the pod sees the real client.
    expect(await ask(hub, n2.podIP)).toBeUndefined(); // the hub has no route to pods ...
    must(["ip", "-n", hub, "route", "add", "10.42.1.0/24", "via", n2.nodeIP]);
    expect(await ask(hub, n2.podIP)).toBe("10.99.0.254"); // ... given one, no masquerade on the way in
    must(["ip", "-n", hub, "route", "del", "10.42.1.0/24", "via", n2.nodeIP]);

    // Level-triggered: nothing to do a second time; drift is repaired.
    const again = await program("vxlan");
    expect(again.map((r) => r.applied)).toEqual([[], [], []]);
    must(["ip", "-n", n1.ns, "route", "del", "10.42.1.0/24"]);
    must(["bridge", "-n", n1.ns, "fdb", "del", mac(n2), "dev", "flannel.1", "dst", "10.99.0.2"]);
    expect(await ask(n1.podNs, n2.podIP)).toBeUndefined();
    const repaired = await reconcileRoutes(n1.runner, { backend: "vxlan", selfName: n1.name, selfPodCIDR: n1.podCIDR, external: n1.external!, leases: leases(nodes) });
    expect(repaired.applied.map((c) => c.slice(0, 3).join(" "))).toEqual(["bridge fdb replace", "ip route replace"]);
    expect(await ask(n1.podNs, n2.podIP)).toBe(n1.podIP);
  }, 60_000);

  test("vxlan: a node that leaves takes its route, neighbour and FDB entry with it on every other node", async () => {
    const [n1, n2, n3] = nodes as [TestNode, TestNode, TestNode];
    const remaining = [n1, n2];
    for (const n of remaining) {
      const r = await reconcileRoutes(n.runner, { backend: "vxlan", selfName: n.name, selfPodCIDR: n.podCIDR, external: n.external!, leases: leases(remaining) });
      expect(r.peers).toBe(1);
    }
    expect(routesOf(n1).map((r) => r.dst)).toEqual(["10.42.1.0/24"]);
    expect(must(["ip", "-n", n1.ns, "neigh", "show", "dev", "flannel.1"])).not.toContain("10.42.2.0");
    expect(must(["bridge", "-n", n1.ns, "fdb", "show", "dev", "flannel.1"])).not.toContain("10.99.0.3");
    expect(must(["ip", "-n", n2.ns, "neigh", "show", "dev", "flannel.1"])).not.toContain("10.42.2.0");
    expect(await ask(n1.podNs, n3.podIP)).toBeUndefined();
    expect(await ask(n1.podNs, n2.podIP)).toBe(n1.podIP);
  }, 30_000);

  test("host-gw (switching from vxlan): flannel.1 and its routes go, direct routes via the node IPs come; a leaving node's route goes", async () => {
    const results = await program("host-gw");
    const [n1, n2, n3] = nodes as [TestNode, TestNode, TestNode];
    expect(results.map((r) => r.peers)).toEqual([2, 2, 2]);
    expect(sh(["ip", "-n", n1.ns, "link", "show", "flannel.1"]).code).not.toBe(0);
    expect(n1.object!.metadata.annotations).toMatchObject({ "flannel.alpha.coreos.com/backend-type": "host-gw", "flannel.alpha.coreos.com/backend-data": "null" });
    expect(routesOf(n1).map((r) => [r.dst, r.gateway, r.dev])).toEqual([
      ["10.42.1.0/24", "10.99.0.2", "eth0"],
      ["10.42.2.0/24", "10.99.0.3", "eth0"],
    ]);
    expect(await ask(n1.podNs, n2.podIP)).toBe(n1.podIP);
    expect(await ask(n3.podNs, n1.podIP)).toBe(n3.podIP);
    expect(await ask(n2.podNs, OUTSIDE)).toBe(n2.nodeIP);

    for (const n of [n1, n2]) await reconcileRoutes(n.runner, { backend: "host-gw", selfName: n.name, selfPodCIDR: n.podCIDR, external: n.external!, leases: leases([n1, n2]) });
    expect(routesOf(n1).map((r) => r.dst)).toEqual(["10.42.1.0/24"]);
    expect(routesOf(n2).map((r) => r.dst)).toEqual(["10.42.0.0/24"]);
    expect(await ask(n1.podNs, n3.podIP)).toBeUndefined();
  }, 60_000);

  test("the masquerade table reads back as written, is rewritten when tampered with, and checks with nft -c", async () => {
    const n1 = nodes[0]!;
    const ruleset = masqueradeRuleset({ clusterCIDR: CLUSTER, podCIDR: n1.podCIDR });
    expect(must(["ip", "netns", "exec", n1.ns, "nft", "list", "table", "ip", "lite-flannel"]).trim()).toBe(ruleset.trim());
    expect(await ensureMasquerade(n1.runner, ruleset)).toBe(false);
    must(["ip", "netns", "exec", n1.ns, "nft", "flush", "chain", "ip", "lite-flannel", "postrtg"]);
    expect(await ensureMasquerade(n1.runner, ruleset)).toBe(true);
    expect(must(["ip", "netns", "exec", n1.ns, "nft", "list", "table", "ip", "lite-flannel"]).trim()).toBe(ruleset.trim());
    const check = Bun.spawnSync(["ip", "netns", "exec", n1.ns, "nft", "-c", "-f", "-"], { stdin: new TextEncoder().encode(ruleset), stderr: "pipe" });
    expect(check.stderr.toString()).toBe("");
    expect(check.exitCode).toBe(0);
  });

  test("uninstall removes flannel.1, flannel's routes and its nftables table, and nothing else", async () => {
    const [n1, n2] = nodes as [TestNode, TestNode];
    await program("vxlan", [n1, n2]);
    must(["ip", "-n", n1.ns, "route", "add", "10.42.1.0/24", "via", "10.99.0.2", "dev", "eth0", "metric", "500"]); // someone else's
    const done = await uninstallFlannel({ runner: n1.runner });
    expect(done).toEqual(["deleted flannel.1", "deleted nftables table ip lite-flannel"]);
    expect(sh(["ip", "-n", n1.ns, "link", "show", "flannel.1"]).code).not.toBe(0);
    expect(routesOf(n1)).toEqual([]);
    expect(sh(["ip", "netns", "exec", n1.ns, "nft", "list", "table", "ip", "lite-flannel"]).code).not.toBe(0);
    expect(must(["ip", "-n", n1.ns, "route", "show", "10.42.1.0/24"])).toContain("metric 500");
    expect(must(["ip", "-n", n1.ns, "link", "show", "cni0"])).toContain("cni0");
    expect(await uninstallFlannel({ runner: n1.runner })).toEqual([]);
    // host-gw routes (on the shared interface) go too.
    await program("host-gw", [n1, n2]);
    expect(await uninstallFlannel({ runner: n1.runner })).toEqual(["deleted route 10.42.1.0/24 via 10.99.0.2 dev eth0", "deleted nftables table ip lite-flannel"]);
    expect(routesOf(n1)).toEqual([]);
  }, 30_000);
});
