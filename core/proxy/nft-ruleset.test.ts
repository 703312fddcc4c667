import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { computeProxyState, type NodeFacts, type ProxyService, type ProxyEndpointSlice } from "./proxy-model.ts";
import { affinitySetName, endpointChainName, renderChainDeletion, renderRuleset, renderTableRemoval, serviceChainNames } from "./nft-ruleset.ts";
import { nftExecutor } from "./nft-exec.ts";
import { endpoint, endpointSlice, service } from "./testing/objects.ts";

const node: NodeFacts = { nodeName: "node-a", family: "IPv4", nodePortAddresses: ["192.168.5.10"], clusterCIDRs: ["10.42.0.0/16"] };
const render = (svcs: ProxyService[], slices: ProxyEndpointSlice[], facts: NodeFacts = node) => {
  const state = computeProxyState(svcs, slices, facts);
  return { state, r: renderRuleset(state) };
};
const T = "ip lite-proxy";

describe("nft ruleset", () => {
  test("ClusterIP with two endpoints: service-ips element, equal-probability numgen, DNAT per endpoint", () => {
    const { state, r } = render(
      [service("web", { clusterIP: "10.43.0.10", ports: [{ name: "http", port: 80 }] })],
      [endpointSlice("web", [endpoint("10.42.0.5"), endpoint("10.42.1.6", "node-b")], [{ name: "http", port: 8080 }])],
    );
    const sp = state.servicePorts[0]!;
    const names = serviceChainNames(sp);
    const [e1, e2] = sp.clusterEndpoints.map((e) => endpointChainName(sp, e));
    expect(names.cluster).toMatch(/^service-[0-9A-F]{8}-default\/web\/tcp\/http$/);
    expect(r.text).toContain(`add element ${T} service-ips { 10.43.0.10 . tcp . 80 : goto ${names.cluster} }`);
    expect(r.text).toContain(`add rule ${T} ${names.cluster} numgen random mod 2 vmap { 0 : goto ${e1}, 1 : goto ${e2} }`);
    expect(r.text).toContain(`add rule ${T} ${e1} ip saddr 10.42.0.5 jump mark-for-masquerade`);
    expect(r.text).toContain(`add rule ${T} ${e1} meta l4proto tcp dnat to 10.42.0.5:8080`);
    expect(r.text).toContain(`add rule ${T} ${e2} meta l4proto tcp dnat to 10.42.1.6:8080`);
    // Off-cluster sources reaching the ClusterIP are masqueraded.
    expect(r.text).toContain(`add rule ${T} ${names.cluster} ip daddr 10.43.0.10 tcp dport 80 ip saddr != 10.42.0.0/16 jump mark-for-masquerade`);
    expect(r.text).not.toContain("no-endpoint-services {  10.43.0.10");
    expect(r.chains.size).toBe(3);
  });

  test("no endpoints: reject at once through no-endpoint-services (ClusterIP) and no-endpoint-nodeports", () => {
    const { state, r } = render([service("web", { type: "NodePort", clusterIP: "10.43.0.10", ports: [{ port: 80, nodePort: 30080 }] })], []);
    expect(r.text).toContain(`add element ${T} no-endpoint-services { 10.43.0.10 . tcp . 80 : goto reject-chain }`);
    expect(r.text).toContain(`add element ${T} no-endpoint-nodeports { tcp . 30080 : goto reject-chain }`);
    expect(r.text).toContain(`add rule ${T} reject-chain meta l4proto tcp reject with tcp reset`);
    expect(r.text).toContain(`add rule ${T} reject-chain reject`);
    expect(r.text).not.toContain(`add element ${T} service-ips`);
    expect(r.text).not.toContain(serviceChainNames(state.servicePorts[0]!).cluster);
  });

  test("session affinity: one timeout set per endpoint, checked before the random pick, updated on DNAT", () => {
    const { state, r } = render(
      [service("web", { clusterIP: "10.43.0.10", sessionAffinity: "ClientIP", sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } }, ports: [{ port: 80 }] })],
      [endpointSlice("web", [endpoint("10.42.0.5"), endpoint("10.42.0.6")], [{ port: 80 }])],
    );
    const sp = state.servicePorts[0]!;
    const [a, b] = sp.clusterEndpoints;
    const setA = affinitySetName(sp, a!);
    expect(r.text).toContain(`add set ${T} ${setA} { type ipv4_addr ; flags dynamic,timeout ; timeout 60s ; }`);
    expect(r.text).not.toContain(`flush set ${T} ${setA}`);
    const cluster = serviceChainNames(sp).cluster;
    const lines = r.text.split("\n").filter((l) => l.startsWith(`add rule ${T} ${cluster} `));
    expect(lines[0]).toContain("jump mark-for-masquerade");
    expect(lines[1]).toContain(`ip saddr @${setA} goto ${endpointChainName(sp, a!)}`);
    expect(lines[2]).toContain(`ip saddr @${affinitySetName(sp, b!)} goto ${endpointChainName(sp, b!)}`);
    expect(lines.at(-1)).toContain("numgen random mod 2");
    expect(r.text).toContain(`add rule ${T} ${endpointChainName(sp, a!)} update @${setA} { ip saddr }`);
    expect(r.affinitySets.size).toBe(2);
  });

  test("NodePort: node IPs in nodeport-ips, service-nodeports to the external chain, which masquerades (policy Cluster)", () => {
    const { state, r } = render(
      [service("np", { type: "NodePort", clusterIP: "10.43.0.10", ports: [{ port: 80, nodePort: 30080 }] })],
      [endpointSlice("np", [endpoint("10.42.0.5")], [{ port: 80 }])],
    );
    const names = serviceChainNames(state.servicePorts[0]!);
    expect(r.text).toContain(`add element ${T} nodeport-ips { 192.168.5.10 }`);
    expect(r.text).toContain(`add rule ${T} services ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports`);
    expect(r.text).toContain(`add element ${T} service-nodeports { tcp . 30080 : goto ${names.external} }`);
    expect(r.text).toContain(`add rule ${T} ${names.external} jump mark-for-masquerade`);
    expect(r.text).toContain(`add rule ${T} ${names.external} goto ${names.cluster}`);
  });

  test("NodePort on every local address when nodePortAddresses is all (loopback excluded)", () => {
    const { r } = render([], [], { ...node, nodePortAddresses: "all" });
    expect(r.text).toContain(`add rule ${T} services fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @service-nodeports`);
    expect(r.text).toContain(`delete set ${T} nodeport-ips`);
  });

  test("externalTrafficPolicy Local: no masquerade for outside traffic, pods and the node short-circuit to policy Cluster", () => {
    const { state, r } = render(
      [service("lb", { type: "LoadBalancer", clusterIP: "10.43.0.10", externalTrafficPolicy: "Local", ports: [{ port: 80, nodePort: 30080 }] },
        { loadBalancer: { ingress: [{ ip: "172.16.0.5" }] } })],
      [endpointSlice("lb", [endpoint("10.42.0.5"), endpoint("10.42.1.5", "node-b")], [{ port: 80 }])],
    );
    const sp = state.servicePorts[0]!;
    const names = serviceChainNames(sp);
    const ext = r.text.split("\n").filter((l) => l.startsWith(`add rule ${T} ${names.external} `)).map((l) => l.slice(`add rule ${T} ${names.external} `.length));
    expect(ext).toEqual([
      `ip saddr 10.42.0.0/16 goto ${names.cluster}`,
      "fib saddr type local jump mark-for-masquerade",
      `fib saddr type local goto ${names.cluster}`,
      `goto ${names.local}`,
    ]);
    expect(r.text).toContain(`add element ${T} service-ips { 172.16.0.5 . tcp . 80 : goto ${names.external} }`);
    expect(r.text).toContain(`add rule ${T} ${names.local} numgen random mod 1 vmap { 0 : goto ${endpointChainName(sp, sp.localEndpoints[0]!)} }`);
  });

  test("externalTrafficPolicy Local without a local endpoint: external traffic dropped, not rejected", () => {
    const { r } = render(
      [service("lb", { type: "LoadBalancer", clusterIP: "10.43.0.10", externalTrafficPolicy: "Local", ports: [{ port: 80, nodePort: 30080 }] },
        { loadBalancer: { ingress: [{ ip: "172.16.0.5" }] } })],
      [endpointSlice("lb", [endpoint("10.42.1.5", "node-b")], [{ port: 80 }])],
    );
    expect(r.text).toContain(`add element ${T} no-endpoint-nodeports { tcp . 30080 : drop }`);
    expect(r.text).toContain(`add element ${T} no-endpoint-services { 172.16.0.5 . tcp . 80 : drop }`);
    expect(r.text).toContain(`add element ${T} service-nodeports { tcp . 30080 : goto external-`);
  });

  test("internalTrafficPolicy Local without a local endpoint: ClusterIP dropped; with one: the local chain", () => {
    const svc = service("c", { clusterIP: "10.43.0.10", internalTrafficPolicy: "Local", ports: [{ port: 80 }] });
    const remote = render([svc], [endpointSlice("c", [endpoint("10.42.1.5", "node-b")], [{ port: 80 }])]);
    expect(remote.r.text).toContain(`add element ${T} no-endpoint-services { 10.43.0.10 . tcp . 80 : drop }`);
    const local = render([svc], [endpointSlice("c", [endpoint("10.42.0.5"), endpoint("10.42.1.5", "node-b")], [{ port: 80 }])]);
    const names = serviceChainNames(local.state.servicePorts[0]!);
    expect(local.r.text).toContain(`add element ${T} service-ips { 10.43.0.10 . tcp . 80 : goto ${names.local} }`);
    expect(local.r.text).toContain("numgen random mod 1 ");
    expect(local.r.text).not.toContain("10.42.1.5");
  });

  test("terminating endpoints: used only when nothing is ready", () => {
    const { r } = render(
      [service("web", { clusterIP: "10.43.0.10", ports: [{ port: 80 }] })],
      [endpointSlice("web", [endpoint("10.42.0.5", "node-a", { ready: false, serving: true, terminating: true })], [{ port: 80 }])],
    );
    expect(r.text).toContain("dnat to 10.42.0.5:80");
    expect(r.text).not.toContain("reject-chain }");
  });

  test("LoadBalancer source ranges: firewall chain drops other sources", () => {
    const { state, r } = render(
      [service("lb", { type: "LoadBalancer", clusterIP: "10.43.0.10", loadBalancerSourceRanges: ["192.168.0.0/16"], ports: [{ port: 80, nodePort: 30080 }] },
        { loadBalancer: { ingress: [{ ip: "172.16.0.5" }] } })],
      [endpointSlice("lb", [endpoint("10.42.0.5")], [{ port: 80 }])],
    );
    const names = serviceChainNames(state.servicePorts[0]!);
    expect(r.text).toContain(`add element ${T} firewall-ips { 172.16.0.5 . tcp . 80 : goto ${names.firewall} }`);
    expect(r.text).toContain(`add rule ${T} ${names.firewall} ip saddr != { 192.168.0.0/16, 172.16.0.5 } drop`);
  });

  test("stale chains are flushed and stale affinity sets deleted, after everything else", () => {
    const { r } = render([], [], node);
    const r2 = renderRuleset(computeProxyState([], [], node), { existingChains: ["service-AAAA-x/y/tcp/", "services"], existingSets: ["affinity-BBBB-x", "nodeport-ips"] });
    expect(r.staleChains).toEqual([]);
    expect(r2.staleChains).toEqual(["service-AAAA-x/y/tcp/"]);
    const lines = r2.text.trim().split("\n");
    expect(lines.slice(-2)).toEqual([`flush chain ${T} service-AAAA-x/y/tcp/`, `delete set ${T} affinity-BBBB-x`]);
  });

  test("IPv6 renders into ip6 lite-proxy", () => {
    const { r } = render(
      [service("web", { clusterIP: "fd00:43::10", clusterIPs: ["fd00:43::10"], ports: [{ port: 80 }] })],
      [endpointSlice("web", [endpoint("fd00:42::5")], [{ port: 80 }], { addressType: "IPv6" })],
      { ...node, family: "IPv6", clusterCIDRs: ["fd00:42::/56"], nodePortAddresses: ["fd00:77::1"] },
    );
    expect(r.text).toContain("add table ip6 lite-proxy");
    expect(r.text).toContain("dnat to [fd00:42::5]:80");
    expect(r.text).toContain("ip6 saddr != fd00:42::/56 jump mark-for-masquerade");
  });
});

describe("nft ruleset in the kernel (scratch network namespace, nft -c and real loads)", () => {
  const ns = `lt-proxy-${Math.random().toString(36).slice(2, 8)}-chk`;
  const nft = nftExecutor(["ip", "netns", "exec", ns]);
  beforeAll(() => { spawnSync("ip", ["netns", "add", ns]); });
  afterAll(() => { spawnSync("ip", ["netns", "delete", ns]); });

  const everything = () => computeProxyState([
    service("web", { clusterIP: "10.43.0.10", sessionAffinity: "ClientIP", ports: [{ name: "http", port: 80 }, { name: "dns", port: 53, protocol: "UDP" }, { name: "sctp", port: 9, protocol: "SCTP" }] }),
    service("np", { type: "NodePort", clusterIP: "10.43.0.11", externalTrafficPolicy: "Local", internalTrafficPolicy: "Local", ports: [{ port: 80, nodePort: 30080 }] }),
    service("lb", { type: "LoadBalancer", clusterIP: "10.43.0.12", externalIPs: ["192.168.9.9"], loadBalancerSourceRanges: ["10.0.0.0/8"], ports: [{ port: 443, nodePort: 30443 }] },
      { loadBalancer: { ingress: [{ ip: "172.16.0.5" }] } }),
    service("empty", { type: "LoadBalancer", clusterIP: "10.43.0.13", ports: [{ port: 80, nodePort: 30081 }] }, { loadBalancer: { ingress: [{ ip: "172.16.0.6" }] } }),
  ], [
    endpointSlice("web", [endpoint("10.42.0.5"), endpoint("10.42.1.5", "node-b")], [{ name: "http", port: 8080 }, { name: "dns", port: 53, protocol: "UDP" }, { name: "sctp", port: 9, protocol: "SCTP" }]),
    endpointSlice("np", [endpoint("10.42.0.7"), endpoint("10.42.1.7", "node-b")], [{ port: 80 }]),
    endpointSlice("lb", [endpoint("10.42.0.8", "node-a", { ready: false, serving: true, terminating: true })], [{ port: 8443 }]),
  ], node);

  test("every feature at once passes nft -c", () => {
    const r = renderRuleset(everything());
    const check = spawnSync("ip", ["netns", "exec", ns, "nft", "-c", "-f", "-"], { input: r.text, encoding: "utf8" });
    expect(check.stderr).toBe("");
    expect(check.status).toBe(0);
  });

  test("a partial transaction leaves the same table as a full one", async () => {
    const dump = () => spawnSync("ip", ["netns", "exec", ns, "nft", "list", "table", "ip", "lite-proxy"], { encoding: "utf8" }).stdout
      .split(/[\n,]/).map((l) => l.trim().replace(/^elements = \{ /, "").replace(/ \}$/, "")).filter(Boolean).sort();
    const one = everything();
    const two = computeProxyState([
      service("web", { clusterIP: "10.43.0.10", sessionAffinity: "ClientIP", ports: [{ name: "http", port: 80 }] }),
      service("np", { type: "NodePort", clusterIP: "10.43.0.11", ports: [{ port: 80, nodePort: 30080 }] }),
      service("new", { clusterIP: "10.43.0.20", ports: [{ port: 80 }] }),
    ], [
      endpointSlice("web", [endpoint("10.42.0.5"), endpoint("10.42.0.6")], [{ name: "http", port: 8080 }]),
      endpointSlice("np", [endpoint("10.42.0.7")], [{ port: 80 }]),
    ], node);
    await nft.apply(renderRuleset(two).text);
    const full = dump();
    await nft.apply(renderTableRemoval("IPv4"));
    const r1 = renderRuleset(one);
    await nft.apply(r1.text);
    const r2 = renderRuleset(two, { previous: r1.snapshot, existingChains: r1.chains, existingSets: r1.affinitySets });
    expect(r2.writtenChains).toBeLessThan(r1.writtenChains);
    await nft.apply(r2.text);
    await nft.apply(renderChainDeletion("IPv4", r2.staleChains));
    expect(dump()).toEqual(full);
    // Nothing changed: nothing but the table line.
    const r3 = renderRuleset(two, { previous: r2.snapshot, existingChains: r2.chains, existingSets: r2.affinitySets });
    expect(r3.text.trim().split("\n")).toHaveLength(1);
    await nft.apply(renderTableRemoval("IPv4"));
  });

  test("loads, reloads identically (affinity sets kept), and removing services flushes their chains; removal leaves no table", async () => {
    const state = everything();
    const first = renderRuleset(state);
    await nft.apply(first.text);
    const listed = await nft.list("IPv4");
    expect(new Set(listed.chains.filter((c) => c.includes("/")))).toEqual(new Set(first.chains));
    expect(new Set(listed.sets.filter((s) => s.startsWith("affinity-")))).toEqual(new Set(first.affinitySets));
    // An affinity entry survives a resync.
    const someSet = [...first.affinitySets][0]!;
    await nft.apply(`add element ip lite-proxy ${someSet} { 10.42.9.9 }\n`);
    await nft.apply(renderRuleset(state, { existingChains: listed.chains, existingSets: listed.sets }).text);
    expect(spawnSync("ip", ["netns", "exec", ns, "nft", "list", "set", "ip", "lite-proxy", someSet], { encoding: "utf8" }).stdout).toContain("10.42.9.9");
    // Everything gone: chains flushed (then deletable), sets deleted.
    const empty = renderRuleset(computeProxyState([], [], node), { existingChains: listed.chains, existingSets: listed.sets });
    await nft.apply(empty.text);
    expect(empty.staleChains.length).toBe(first.chains.size);
    expect((await nft.list("IPv4")).sets.filter((s) => s.startsWith("affinity-"))).toEqual([]);
    await nft.apply(empty.staleChains.map((c) => `delete chain ip lite-proxy ${c}`).join("\n") + "\n");
    expect((await nft.list("IPv4")).chains.filter((c) => c.includes("/"))).toEqual([]);
    await nft.apply(renderTableRemoval("IPv4"));
    await nft.apply(renderTableRemoval("IPv4"));
    expect(spawnSync("ip", ["netns", "exec", ns, "nft", "list", "tables"], { encoding: "utf8" }).stdout).not.toContain("lite-proxy");
  });
});
